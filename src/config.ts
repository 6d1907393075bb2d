import { readFileSync } from 'node:fs';
import envSchema from 'env-schema';

/** Settings read once from the environment (schemas/env.json), frozen and passed to buildApp. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** Postgres connection string; unset means the embedded PGlite database in dataDir. */
  readonly databaseUrl: string | undefined;
  /** PGlite data directory, or `memory://` for a throw-away database. */
  readonly dataDir: string;
  /** The Odoo database name clients must send (`db` params, `/jsonrpc` args). */
  readonly dbName: string;
  readonly adminPassword: string;
  readonly demoData: boolean;
  readonly logLevel: string;
  readonly busReplaySeconds: number;
  readonly passwordHashRounds: number;
  readonly pgPoolMax: number;
  readonly migrateOnStart: boolean;
  readonly sessionMaxInactivitySeconds: number;
  readonly webBaseUrl: string | undefined;
  /** Bearer token for /metrics; unset, /metrics answers loopback clients only. */
  readonly metricsToken: string | undefined;
  /**
   * Odoo origin (optionally with a path prefix, no trailing slash) the widget's compiled assets are
   * forwarded to; unset, those routes answer 404.
   */
  readonly odooAssetsUrl: string | undefined;
  /** Take the client address from X-Forwarded-For (behind a proxy): rate limits and login throttling key on it. */
  readonly trustProxy: boolean;
  /** Largest request body accepted (413 above). */
  readonly requestBodyMaxBytes: number;
  /** Abuse limits (0 = off): live chat sessions created per client address, messages per guest, per minute. */
  readonly rateLimitSessionsPerMinute: number;
  readonly rateLimitMessagesPerMinute: number;
  /** Largest message body posted, in UTF-8 bytes (0 = no limit). */
  readonly messageBodyMaxBytes: number;
  /** Login throttling (Odoo's base.login_cooldown_after / _duration): refuse after N wrong passwords for S seconds (N 0 = off). */
  readonly loginCooldownAfter: number;
  readonly loginCooldownSeconds: number;
  /** Websocket limits: frame size (close 1009 above) and frame rate (burst, then one per delay; close 1013). */
  readonly websocketMaxFrameBytes: number;
  readonly websocketRateLimitBurst: number;
  readonly websocketRateLimitDelayMs: number;
  /** On SIGTERM, in-flight calls get this long to finish before the process exits anyway (exit code 1). */
  readonly shutdownGraceSeconds: number;
  /** How often the live chat retention job runs (0 = never; `npm run cli -- retention` still does). */
  readonly retentionIntervalSeconds: number;
}

const schema = JSON.parse(readFileSync(new URL('../schemas/env.json', import.meta.url), 'utf8'));

interface RawEnv {
  PORT: number; HOST: string; DATABASE_URL?: string; DATA_DIR: string; DB_NAME: string;
  ADMIN_PASSWORD: string; DEMO_DATA: boolean; LOG_LEVEL: string; BUS_REPLAY_SECONDS: number;
  PASSWORD_HASH_ROUNDS: number; PG_POOL_MAX: number; MIGRATE_ON_START: boolean;
  SESSION_MAX_INACTIVITY_SECONDS: number; WEB_BASE_URL?: string; METRICS_TOKEN?: string;
  ODOO_ASSETS_URL?: string; TRUST_PROXY: boolean; REQUEST_BODY_MAX_BYTES: number;
  RATE_LIMIT_SESSIONS_PER_MINUTE: number; RATE_LIMIT_MESSAGES_PER_MINUTE: number; MESSAGE_BODY_MAX_BYTES: number;
  LOGIN_COOLDOWN_AFTER: number; LOGIN_COOLDOWN_SECONDS: number;
  WEBSOCKET_MAX_FRAME_BYTES: number; WEBSOCKET_RATE_LIMIT_BURST: number; WEBSOCKET_RATE_LIMIT_DELAY_MS: number;
  SHUTDOWN_GRACE_SECONDS: number; RETENTION_INTERVAL_SECONDS: number;
}

/** ODOO_ASSETS_URL as an absolute http(s) URL without query, fragment or trailing slash. */
function assetsUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`ODOO_ASSETS_URL must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    throw new Error(`ODOO_ASSETS_URL must be an http(s) URL without credentials, query or fragment, got ${JSON.stringify(value)}`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const raw = envSchema<RawEnv>({ schema, data: env, dotenv: false });
  return Object.freeze({
    port: raw.PORT,
    host: raw.HOST,
    databaseUrl: raw.DATABASE_URL || undefined,
    dataDir: raw.DATA_DIR,
    dbName: raw.DB_NAME,
    adminPassword: raw.ADMIN_PASSWORD,
    demoData: raw.DEMO_DATA,
    logLevel: raw.LOG_LEVEL,
    busReplaySeconds: raw.BUS_REPLAY_SECONDS,
    passwordHashRounds: raw.PASSWORD_HASH_ROUNDS,
    pgPoolMax: raw.PG_POOL_MAX,
    migrateOnStart: raw.MIGRATE_ON_START,
    sessionMaxInactivitySeconds: raw.SESSION_MAX_INACTIVITY_SECONDS,
    webBaseUrl: raw.WEB_BASE_URL || undefined,
    metricsToken: raw.METRICS_TOKEN || undefined,
    odooAssetsUrl: assetsUrl(raw.ODOO_ASSETS_URL),
    trustProxy: raw.TRUST_PROXY,
    requestBodyMaxBytes: raw.REQUEST_BODY_MAX_BYTES,
    rateLimitSessionsPerMinute: raw.RATE_LIMIT_SESSIONS_PER_MINUTE,
    rateLimitMessagesPerMinute: raw.RATE_LIMIT_MESSAGES_PER_MINUTE,
    messageBodyMaxBytes: raw.MESSAGE_BODY_MAX_BYTES,
    loginCooldownAfter: raw.LOGIN_COOLDOWN_AFTER,
    loginCooldownSeconds: raw.LOGIN_COOLDOWN_SECONDS,
    websocketMaxFrameBytes: raw.WEBSOCKET_MAX_FRAME_BYTES,
    websocketRateLimitBurst: raw.WEBSOCKET_RATE_LIMIT_BURST,
    websocketRateLimitDelayMs: raw.WEBSOCKET_RATE_LIMIT_DELAY_MS,
    shutdownGraceSeconds: raw.SHUTDOWN_GRACE_SECONDS,
    retentionIntervalSeconds: raw.RETENTION_INTERVAL_SECONDS,
    ...overrides,
  });
}
