// Configuration: read from the environment once at boot, validated, frozen.
// A bad value stops start-up with a message that names the variable.
import { isIP } from 'node:net';
import path from 'node:path';
import { ConfigError } from './config-error.ts';
import { TOKEN68 } from './http/authorization.ts';

export { ConfigError };

export type SigningAlgorithm = 'ES256' | 'EdDSA' | 'RS256';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  publicUrl: string; // the issuer, without a trailing slash
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  adminToken: string | undefined;
  encryptionKey: Buffer | undefined; // undefined: generated into the data dir (embedded only)
  allowPrivateNetworks: true | string[]; // true, or a list of CIDRs ([] = none)
  logLevel: LogLevel;
  signingAlgorithm: SigningAlgorithm;
  accessTokenTtl: number; // seconds, the default for clients that set none
  idTokenTtl: number; // seconds an OpenID Connect ID Token is valid
  tokenRateLimit: { perClient: number; perIp: number; windowMs: number };
  bodyLimit: number; // bytes
  loginLinkTtl: number; // seconds a one-time login link stays valid
  sessionTtl: number; // seconds a browser session lasts
  oemRateLimit: { perIp: number; windowMs: number }; // the OEM API
  pageRateLimit: { perIp: number; windowMs: number }; // pages, /oauth/authorize, MSP, partner, connector routes
  authFailureLimit: { perIp: number; windowMs: number; audited: number }; // failed authentications per address
  trustProxy: TrustProxy;
  requestTimeoutMs: number; // the whole request (head and body) must arrive within this
  connectionTimeoutMs: number; // a socket idle this long is closed
  dbWaitSeconds: number; // PostgreSQL: how long start-up waits for the database to answer
  pgliteSharedBuffersMb: number; // the embedded database's page cache (PostgreSQL's shared_buffers), in MB
  shutdownTimeoutMs: number; // after a stop signal, exit by this deadline even if closing hangs
  metricsToken: string | undefined; // Bearer token /metrics requires (unset: open)
  vendorApiRateLimit: { perIntegration: number; windowMs: number };
  keyOverlap: number; // seconds a rotated Vendor API or partner key keeps working by default
  refreshTokenTtl: number; // seconds a refresh token stays usable (each rotation starts afresh)
  refreshReuseGrace: number; // seconds a rotated refresh token may be presented again (0: never)
  passwordLinkTtl: number; // seconds a one-time set-your-password link stays valid
  supportEmail: string; // shown to partner platforms (seed 003 App Info)
  console: {
    enabled: boolean; // GATEHOUSE_CONSOLE=false answers 404 under /console
    allow: string[] | undefined; // client addresses/CIDRs the console answers (undefined: any)
    idleSeconds: number; // an operator session unused this long ends
  };
  webhooks: {
    timeoutMs: number; // total time one delivery attempt may take
    maxSubscriptions: number; // per organization
    retentionDays: number; // attempts and payloads older than this are purged
  };
}

/** false: forwarded headers ignored; true: every hop trusted; a hop count; or trusted addresses/CIDRs. */
type TrustProxy = boolean | number | string[];

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    // Connection strings can carry a password: only the issuer URL is repeated back.
    throw new ConfigError(name, name === 'GATEHOUSE_PUBLIC_URL' ? `must be a URL, got "${raw}"` : 'must be a URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!values.includes(raw as T)) throw new ConfigError(name, `must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

function cidrList(env: Env, name: string): true | string[] {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '' || raw === 'false') return [];
  if (raw === 'true') return true;
  const list = raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const cidr of list) {
    const [address, bits, extra] = cidr.split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) {
      const forms = name === 'GATEHOUSE_TRUST_PROXY' ? '"true", a hop count' : '"true"';
      throw new ConfigError(name, `must be ${forms} or a comma-separated list of addresses or CIDRs, got "${cidr}"`);
    }
  }
  return list;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(name, `must be "true" or "false", got "${raw}"`);
}

/** The addresses the console answers: unset means every address; a list as the other CIDR settings take it. */
function consoleAllow(env: Env): string[] | undefined {
  const name = 'GATEHOUSE_CONSOLE_ALLOW';
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true' || raw === 'false') throw new ConfigError(name, `must be a comma-separated list of addresses or CIDRs, got "${raw}"`);
  return cidrList({ [name]: raw }, name) as string[];
}

function trustProxy(env: Env): TrustProxy {
  const name = 'GATEHOUSE_TRUST_PROXY';
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops < 1 || hops > 32) throw new ConfigError(name, `a hop count must be between 1 and 32, got ${hops}`);
    return hops;
  }
  const list = cidrList({ [name]: raw }, name);
  return list === true ? true : list;
}

/** A secret presented as `Authorization: Bearer <token>`, so it must be a token68 (RFC 6750 §2.1). */
function token(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 16) throw new ConfigError(name, 'must be at least 16 characters long');
  if (!TOKEN68.test(raw)) throw new ConfigError(name, 'may hold only letters, digits and - . _ ~ + / (then = at the end): it is sent as a Bearer token');
  return raw;
}

// Where to listen: an IP address or a host name (RFC 1123 labels).
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function host(env: Env): string {
  const raw = env.HOST;
  if (raw === undefined || raw === '') return '0.0.0.0';
  if (isIP(raw) === 0 && !HOST_NAME.test(raw)) throw new ConfigError('HOST', `must be an IP address or a host name, got "${raw}"`);
  return raw;
}

function issuer(env: Env, port: number): string {
  const raw = url(env, 'GATEHOUSE_PUBLIC_URL', ['http:', 'https:']);
  if (raw === undefined) return `http://localhost:${port}`;
  const parsed = new URL(raw);
  // RFC 8414 §2: the issuer is a URL with no query or fragment component.
  if (parsed.search || parsed.hash || /[?#]/.test(raw)) throw new ConfigError('GATEHOUSE_PUBLIC_URL', `must not have a query or fragment, got "${raw}"`);
  if (parsed.username || parsed.password) throw new ConfigError('GATEHOUSE_PUBLIC_URL', 'must not carry a user name or password');
  return raw.replace(/\/+$/, '');
}

function encryptionKey(env: Env): Buffer | undefined {
  const raw = env.GATEHOUSE_ENCRYPTION_KEY;
  if (raw === undefined || raw === '') return undefined;
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== raw.replace(/=+$/, '')) {
    throw new ConfigError('GATEHOUSE_ENCRYPTION_KEY', 'must be 32 bytes encoded as base64 (try: openssl rand -base64 32)');
  }
  return key;
}

function supportEmail(env: Env, publicUrl: string): string {
  const raw = env.GATEHOUSE_SUPPORT_EMAIL?.trim();
  if (!raw) return `support@${new URL(publicUrl).hostname}`;
  if (!/^[^\s@]+@[^\s@]+$/.test(raw)) throw new ConfigError('GATEHOUSE_SUPPORT_EMAIL', `must be an email address, got "${raw}"`);
  return raw;
}

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const port = int(env, 'PORT', 3000, 0, 65535);
  const publicUrl = issuer(env, port);
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const key = encryptionKey(env);
  if (databaseUrl && !key) {
    // Instances sharing PostgreSQL must share the key; a generated one would differ per machine.
    throw new ConfigError('GATEHOUSE_ENCRYPTION_KEY', 'is required when DATABASE_URL is set (try: openssl rand -base64 32)');
  }
  const adminToken = token(env, 'GATEHOUSE_ADMIN_TOKEN');
  const dataDir = env.GATEHOUSE_DATA_DIR;
  const config: Config = {
    port,
    host: host(env),
    publicUrl,
    // 'memory://' keeps the embedded database in memory (tests, throwaway demos).
    dataDir: dataDir === 'memory://' ? 'memory://' : path.resolve(dataDir || './.gatehouse'),
    databaseUrl,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    adminToken,
    encryptionKey: key,
    allowPrivateNetworks: cidrList(env, 'GATEHOUSE_ALLOW_PRIVATE_NETWORKS'),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    signingAlgorithm: oneOf(env, 'GATEHOUSE_SIGNING_ALG', ['ES256', 'EdDSA', 'RS256'], 'ES256'),
    accessTokenTtl: int(env, 'GATEHOUSE_ACCESS_TOKEN_TTL', 3600, 60, 86400 * 30),
    idTokenTtl: int(env, 'GATEHOUSE_ID_TOKEN_TTL', 3600, 60, 86400),
    tokenRateLimit: {
      perClient: int(env, 'GATEHOUSE_TOKEN_RATE_LIMIT_CLIENT', 1200, 1, 10_000_000),
      perIp: int(env, 'GATEHOUSE_TOKEN_RATE_LIMIT_IP', 1200, 1, 10_000_000),
      windowMs: int(env, 'GATEHOUSE_TOKEN_RATE_LIMIT_WINDOW_MS', 60_000, 1000, 3_600_000),
    },
    bodyLimit: int(env, 'GATEHOUSE_BODY_LIMIT', 64 * 1024, 1024, 10 * 1024 * 1024),
    loginLinkTtl: int(env, 'GATEHOUSE_LOGIN_LINK_TTL', 300, 1, 86400),
    sessionTtl: int(env, 'GATEHOUSE_SESSION_TTL', 8 * 3600, 60, 30 * 86400),
    oemRateLimit: {
      perIp: int(env, 'GATEHOUSE_OEM_RATE_LIMIT_IP', 1200, 1, 10_000_000),
      windowMs: int(env, 'GATEHOUSE_OEM_RATE_LIMIT_WINDOW_MS', 60_000, 1000, 3_600_000),
    },
    pageRateLimit: {
      perIp: int(env, 'GATEHOUSE_PAGE_RATE_LIMIT_IP', 600, 1, 10_000_000),
      windowMs: int(env, 'GATEHOUSE_PAGE_RATE_LIMIT_WINDOW_MS', 60_000, 1000, 3_600_000),
    },
    authFailureLimit: {
      perIp: int(env, 'GATEHOUSE_AUTH_FAILURE_LIMIT_IP', 30, 1, 10_000_000),
      windowMs: int(env, 'GATEHOUSE_AUTH_FAILURE_WINDOW_MS', 300_000, 1000, 86_400_000),
      audited: int(env, 'GATEHOUSE_AUTH_FAILURE_AUDITED', 10, 0, 10_000_000),
    },
    trustProxy: trustProxy(env),
    requestTimeoutMs: int(env, 'GATEHOUSE_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
    connectionTimeoutMs: int(env, 'GATEHOUSE_CONNECTION_TIMEOUT_MS', 75_000, 100, 3_600_000),
    dbWaitSeconds: int(env, 'GATEHOUSE_DB_WAIT_SECONDS', 30, 0, 3600),
    pgliteSharedBuffersMb: int(env, 'GATEHOUSE_PGLITE_SHARED_BUFFERS_MB', 16, 1, 1024),
    shutdownTimeoutMs: int(env, 'GATEHOUSE_SHUTDOWN_TIMEOUT_MS', 30_000, 100, 600_000),
    metricsToken: token(env, 'GATEHOUSE_METRICS_TOKEN'),
    vendorApiRateLimit: {
      perIntegration: int(env, 'GATEHOUSE_VENDOR_API_RATE_LIMIT', 100, 1, 10_000_000),
      windowMs: int(env, 'GATEHOUSE_VENDOR_API_RATE_LIMIT_WINDOW_MS', 1000, 100, 3_600_000),
    },
    keyOverlap: int(env, 'GATEHOUSE_KEY_ROTATION_OVERLAP', 86400, 0, 90 * 86400),
    refreshTokenTtl: int(env, 'GATEHOUSE_REFRESH_TOKEN_TTL', 30 * 86400, 60, 365 * 86400),
    refreshReuseGrace: int(env, 'GATEHOUSE_REFRESH_REUSE_GRACE', 0, 0, 300),
    passwordLinkTtl: int(env, 'GATEHOUSE_PASSWORD_LINK_TTL', 86400, 60, 30 * 86400),
    supportEmail: supportEmail(env, publicUrl),
    console: {
      enabled: bool(env, 'GATEHOUSE_CONSOLE', true),
      allow: consoleAllow(env),
      idleSeconds: int(env, 'GATEHOUSE_CONSOLE_IDLE_TIMEOUT', 30 * 60, 60, 86400),
    },
    webhooks: {
      timeoutMs: int(env, 'GATEHOUSE_WEBHOOK_TIMEOUT_MS', 15_000, 1000, 60_000),
      maxSubscriptions: int(env, 'GATEHOUSE_WEBHOOK_MAX_SUBSCRIPTIONS', 20, 1, 10_000),
      retentionDays: int(env, 'GATEHOUSE_WEBHOOK_RETENTION_DAYS', 30, 1, 3650),
    },
  };
  // Frozen all the way down (the key is a Buffer, which cannot be frozen; nothing writes to it).
  for (const value of Object.values(config)) if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) Object.freeze(value);
  return Object.freeze(config);
}
