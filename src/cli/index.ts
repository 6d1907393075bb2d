import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { pendingMigrations } from '../db/migrate.js';
import { MODELS } from '../models/index.js';
import { SUPERUSER_ID } from '../orm/env.js';
import { Registry } from '../orm/registry.js';
import { runInTransaction } from '../orm/transaction.js';
import { CommandError, EXIT, UsageError, parseCommandLine, type CliIo, type Command, type CommandContext } from './command.js';
import migrate from './migrate.js';
import { createApiKey, createUser, setPassword } from './users.js';
import loadDemo from './demo.js';
import exportTranscripts from './transcripts.js';
import retention from './retention.js';
import checkChatbot from './check-chatbot.js';

/** The commands of `npx livechat-rpc <command>` (also `npm run cli -- <command>`): one entry each. */
export const COMMANDS: Record<string, Command> = {
  migrate,
  'create-user': createUser,
  'set-password': setPassword,
  'create-api-key': createApiKey,
  'load-demo': loadDemo,
  'export-transcripts': exportTranscripts,
  retention,
  'check-chatbot': checkChatbot,
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'usage: livechat-rpc <command> [options]    (npm run cli -- <command> [options])',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'The database is the service\'s: DATABASE_URL, or the PGlite directory DATA_DIR (stop the service first:',
    'an embedded database has one user at a time). `livechat-rpc <command> --help` describes a command.',
    'Exit codes: 0 done, 1 failed (the reason is printed), 2 wrong command line.',
  ].join('\n');
}

/**
 * Runs one command line and returns its exit code. `deps.database` is an open database to use
 * (tests); otherwise one is opened from the environment's settings and closed at the end.
 */
export async function main(argv: string[], io: CliIo, deps: { database?: Database } = {}): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(`${usage()}\n`);
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr(`livechat-rpc: unknown command '${name}'\n\n${usage()}\n`);
    return EXIT.USAGE;
  }
  const commandUsage = `usage: livechat-rpc ${name} ${command.usage}`.trimEnd();
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${commandUsage}\n${command.summary}\n`);
    return EXIT.OK;
  }
  let database: Database | undefined = deps.database;
  let registry: Registry | undefined;
  try {
    const { positionals, options } = parseCommandLine(command, args);
    let config: Config;
    try {
      config = loadConfig(io.env);
    } catch (err) {
      throw new CommandError(`invalid settings: ${(err as Error).message}`);
    }
    const ctx: CommandContext = {
      io, config, positionals, options,
      async database() {
        if (!database) {
          database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 });
          if (command.needsMigratedDatabase !== false) {
            const pending = await pendingMigrations(database);
            if (pending.length) throw new CommandError(`the database is not migrated (${pending.length} pending, e.g. ${pending[0]}): run \`livechat-rpc migrate\` first`);
          }
        }
        return database;
      },
      registry() {
        registry ??= new Registry([...MODELS], { dbName: config.dbName, passwordHashRounds: config.passwordHashRounds });
        return registry;
      },
      async asSuperuser(fn) {
        return runInTransaction(await ctx.database(), ctx.registry(), SUPERUSER_ID, {}, fn);
      },
    };
    return await command.run(ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`livechat-rpc ${name}: ${err.message}\n${commandUsage}\n`);
      return EXIT.USAGE;
    }
    const odoo = err as Error & { odooName?: string };
    if (err instanceof CommandError || odoo.odooName) io.stderr(`livechat-rpc ${name}: ${odoo.message}\n`);
    else io.stderr(`livechat-rpc ${name}: failed: ${odoo.stack ?? String(err)}\n`);
    return EXIT.FAILED;
  } finally {
    if (database && database !== deps.database) await database.close();
  }
}

/** The process's own streams: output written as it comes (an export may be large). */
export const processIo: CliIo = {
  env: process.env,
  stdout: (text) => { process.stdout.write(text); },
  stderr: (text) => { process.stderr.write(text); },
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2), processIo);
}
