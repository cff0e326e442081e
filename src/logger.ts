// pino, JSON lines. Anything that can carry a credential is redacted before it is written.
import pino, { type Logger } from 'pino';
import type { LogLevel } from './config.ts';
import { CONSOLE_PASSWORD_PATH, LOGIN_LINK_PATH, PASSWORD_LINK_PATH } from './http/paths.ts';

/** Fields that carry a credential, wherever they appear: at the top of a line or one level down. */
const SECRET_FIELDS = [
  'client_secret',
  'clientSecret',
  'access_token',
  'refresh_token',
  'token',
  'password',
  'secret',
  'organizationOemToken',
  'partnerApiKey',
  'vendor_api_key',
  'vendorApiKey',
  'partner_api_key',
  'auth_header_value',
  'link',
];

const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["mspc-token"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
];

// Credentials can also arrive in a URL: OAuth parameters in a query string (from clients that
// should not, redirects carrying codes, and the ID Token an end-session request carries as
// id_token_hint), connect links (`?link=`), and one-time links whose token is the path's last part.
const SECRET_PARAMS = /([?&](?:client_secret|token|access_token|refresh_token|id_token|id_token_hint|code|code_verifier|password|link)=)[^&#]*/gi;
const LINK_TOKEN = new RegExp(`^((?:${LOGIN_LINK_PATH}|${PASSWORD_LINK_PATH}|${CONSOLE_PASSWORD_PATH})/)[^/?#]+`);

// The same inside a URL carried, percent-encoded, as a parameter (the sign-in page's return_to
// holds the authorization request, id_token_hint included).
const NESTED_SECRET_PARAMS =
  /((?:%3F|%26)(?:client_secret|token|access_token|refresh_token|id_token|id_token_hint|code|code_verifier|password|link)%3D)(?:(?!%26)[^&#])*/gi;

export function redactUrl(url: string): string {
  return url.replace(LINK_TOKEN, '$1[redacted]').replace(SECRET_PARAMS, '$1[redacted]').replace(NESTED_SECRET_PARAMS, '$1[redacted]');
}

/** Fastify's request fields, with the URL redacted. */
function req(request: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }) {
  return { method: request.method, url: redactUrl(request.url), host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort };
}

/**
 * A logger writing JSON lines. Without a destination it writes to standard output through an
 * asynchronous destination (pino's sonic-boom): lines written while one write is in flight are
 * joined into the next, so a request never waits on the terminal or a pipe; `flushLogger`
 * empties it on shutdown and on a fatal error.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const dest = destination ?? pino.destination({ dest: 1, sync: false });
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, serializers: { req } }, dest);
}

type Method = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Fastify gives every request a child logger bound to its id. Building a pino child costs a few
 * microseconds (it serializes, and redacts, the bindings), paid on every request, although at the
 * default level most requests never write through it: their one line comes from the request log
 * (ops/request-log.ts). This child is the same logger, built the first time it is asked to write
 * at an enabled level, to make a child of its own, or for its bindings.
 */
class LazyChild {
  #parent: Logger;
  #bindings: pino.Bindings;
  #options: pino.ChildLoggerOptions;
  #real: Logger | undefined;

  constructor(parent: Logger, bindings: pino.Bindings, options: pino.ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #logger(): Logger {
    return (this.#real ??= this.#parent.child(this.#bindings, this.#options));
  }

  get level(): string {
    return (this.#real ?? this.#parent).level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.#real ?? this.#parent).isLevelEnabled(level);
  }

  #write(method: Method, args: unknown[]): void {
    if (this.#real === undefined && !this.#parent.isLevelEnabled(method)) return;
    (this.#logger()[method] as (...a: unknown[]) => void)(...args);
  }

  fatal(...args: unknown[]) {
    this.#write('fatal', args);
  }
  error(...args: unknown[]) {
    this.#write('error', args);
  }
  warn(...args: unknown[]) {
    this.#write('warn', args);
  }
  info(...args: unknown[]) {
    this.#write('info', args);
  }
  debug(...args: unknown[]) {
    this.#write('debug', args);
  }
  trace(...args: unknown[]) {
    this.#write('trace', args);
  }
  silent() {}

  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): Logger {
    return this.#logger().child(bindings, options);
  }

  bindings(): pino.Bindings {
    return this.#logger().bindings();
  }
}

/** Fastify's child logger factory: a request's logger, built when it is first used. */
export function lazyChildLogger(parent: Logger, bindings: pino.Bindings, options: pino.ChildLoggerOptions): Logger {
  return new LazyChild(parent, bindings, options) as unknown as Logger;
}

/** Write out what the asynchronous destination still holds (no-op for other destinations). */
export function flushLogger(log: Logger): void {
  try {
    const stream = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { flushSync?: () => void } | undefined;
    stream?.flushSync?.();
  } catch {
    // A destination that is not ready yet (nothing written) or already closed: nothing to flush.
  }
}

/**
 * A crash must not lose its own explanation: an uncaught exception or unhandled rejection is
 * logged at fatal level, the buffer is flushed synchronously, and the process exits with 1.
 */
export function exitOnFatal(log: Logger): void {
  const fatal = (err: unknown, kind: string) => {
    log.fatal({ err }, kind);
    flushLogger(log);
    process.exit(1);
  };
  process.once('uncaughtException', (err) => fatal(err, 'uncaught exception'));
  process.once('unhandledRejection', (err) => fatal(err, 'unhandled rejection'));
}
