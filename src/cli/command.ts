import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Env } from '../orm/env.js';
import type { Registry } from '../orm/registry.js';

/** Exit codes of `livechat-rpc`: done, a problem (reported on stderr), a command line to fix. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** The process's streams and environment (tests pass their own). */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of standard input (for --password-stdin). */
  readStdin(): Promise<string>;
}

/** What a command runs with. The database is opened (and checked migrated) on first use. */
export interface CommandContext {
  io: CliIo;
  config: Config;
  /** Positional arguments and options, as declared by the command. */
  positionals: string[];
  options: Record<string, string | boolean | string[] | undefined>;
  database(): Promise<Database>;
  registry(): Registry;
  /** Runs `fn` as the superuser in one transaction (committed unless it throws). */
  asSuperuser<T>(fn: (env: Env) => Promise<T>): Promise<T>;
}

/**
 * One command of the CLI: its options (node:util parseArgs), a usage line and what it does,
 * returning an exit code. Adding a command is one entry in src/cli/index.ts.
 */
export interface Command {
  summary: string;
  /** Arguments after the command name, e.g. `<login> [--password-stdin]`. */
  usage: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  /** Number of positional arguments accepted: [min, max]. */
  positionals?: [number, number];
  /** migrate runs on a database not migrated yet; every other command refuses to. */
  needsMigratedDatabase?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

/** A mistake in the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

/** A problem the command reports and stops on, exit code 1 (no stack trace: the message says it all). */
export class CommandError extends Error {}

export function parseCommandLine(command: Command, args: string[]): { positionals: string[]; options: CommandContext['options'] } {
  let parsed;
  try {
    parsed = parseArgs({ args, options: command.options ?? {}, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const [min, max] = command.positionals ?? [0, 0];
  if (parsed.positionals.length < min) throw new UsageError(`missing ${command.usage.match(/<[^>]+>/g)?.[parsed.positionals.length] ?? 'argument'}`);
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument '${parsed.positionals[max]}'`);
  return { positionals: parsed.positionals, options: parsed.values as CommandContext['options'] };
}

/** An integer option (`--days 30`), or a usage error naming it. */
export function integerOption(ctx: CommandContext, name: string, { min = 0 } = {}): number | undefined {
  const raw = ctx.options[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim()) || value < min) throw new UsageError(`--${name} must be a whole number${min ? ` of at least ${min}` : ''}, got '${String(raw)}'`);
  return value;
}

/** A date option (`--since 2026-01-01` or a full timestamp, UTC), as Postgres' timestamp text. */
export function dateOption(ctx: CommandContext, name: string): string | undefined {
  const raw = ctx.options[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const date = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?Z?$/.test(text) ? new Date(text.length === 10 ? `${text}T00:00:00Z` : `${text.replace(' ', 'T').replace(/Z?$/, 'Z')}`) : null;
  if (!date || Number.isNaN(date.getTime())) throw new UsageError(`--${name} must be a date (YYYY-MM-DD, or YYYY-MM-DD HH:MM[:SS] in UTC), got '${text}'`);
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}
