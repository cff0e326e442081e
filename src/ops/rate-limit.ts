// Rate-limit counters for every surface's request limit and for the failed-authentication limiter: fixed
// windows kept in Redis when it is configured and reachable, and in this instance's memory
// otherwise (Redis down, a command that timed out, or no REDIS_URL at all). Every limiter has a
// namespace of its own (`gatehouse:rl:<group>:<key>`), so two limiters never share a counter.
//
// A 429 is the catalog's rate_limited, which each surface words its own way (error-catalog.ts):
// too_many_requests on the OAuth endpoints, RATE_LIMITED on the OEM and Vendor APIs,
// rate_limited on the admin and MSP APIs, and a page for browsers.
import type { FastifyInstance, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import type { Config } from '../config.ts';
import { AppError, errors } from '../errors.ts';
import type { RedisLink } from './redis.ts';

export interface Count {
  current: number;
  ttl: number; // ms until the window ends
}

const INCREMENT = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return {current, ttl}`;

const READ = `
local current = redis.call('GET', KEYS[1])
if not current then return {0, 0} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = 0 end
return {tonumber(current), ttl}`;

type LimitCommands = {
  gatehouseLimitIncr(key: string, windowMs: number): Promise<[number, number]>;
  gatehouseLimitRead(key: string): Promise<[number, number]>;
};

/** Fixed windows in memory, bounded: the oldest entries go first when it is full. */
class MemoryWindows {
  #entries = new Map<string, { current: number; endsAt: number }>();
  #max: number;

  constructor(max = 10_000) {
    this.#max = max;
  }

  increment(key: string, windowMs: number, now = Date.now()): Count {
    let entry = this.#entries.get(key);
    if (!entry || entry.endsAt <= now) {
      this.#entries.delete(key);
      if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!);
      entry = { current: 0, endsAt: now + windowMs };
      this.#entries.set(key, entry);
    }
    entry.current++;
    return { current: entry.current, ttl: entry.endsAt - now };
  }

  read(key: string, now = Date.now()): Count {
    const entry = this.#entries.get(key);
    return !entry || entry.endsAt <= now ? { current: 0, ttl: 0 } : { current: entry.current, ttl: entry.endsAt - now };
  }
}

/** One limiter's counters: Redis while it answers, memory otherwise. */
export class LimitCounter {
  readonly prefix: string;
  #redis: RedisLink | undefined;
  #memory = new MemoryWindows();

  constructor(redis: RedisLink | undefined, group: string) {
    this.#redis = redis;
    this.prefix = `gatehouse:rl:${group}:`;
    const client = redis?.client as (RedisLink['client'] & Partial<LimitCommands>) | undefined;
    if (client && !client.gatehouseLimitIncr) {
      client.defineCommand('gatehouseLimitIncr', { numberOfKeys: 1, lua: INCREMENT });
      client.defineCommand('gatehouseLimitRead', { numberOfKeys: 1, lua: READ });
    }
  }

  #commands(): LimitCommands | undefined {
    return this.#redis?.up ? (this.#redis.client as unknown as LimitCommands) : undefined;
  }

  /**
   * Count one hit in `key`'s window. Without Redis (or while it is down) the count is made in
   * memory and `done` is called at once, with no promise on the request path; a Redis command
   * that times out or fails counts the hit in memory instead (the link logs the outage).
   */
  count(key: string, windowMs: number, done: (result: Count) => void): void {
    const redis = this.#commands();
    if (!redis) return done(this.#memory.increment(key, windowMs));
    redis.gatehouseLimitIncr(this.prefix + key, windowMs).then(
      ([current, ttl]) => done({ current, ttl }),
      () => done(this.#memory.increment(key, windowMs)),
    );
  }

  /** The count in `key`'s window so far, from the same place `count` would write it. */
  peek(key: string, done: (result: Count) => void): void {
    const redis = this.#commands();
    if (!redis) return done(this.#memory.read(key));
    redis.gatehouseLimitRead(this.prefix + key).then(
      ([current, ttl]) => done({ current, ttl }),
      () => done(this.#memory.read(key)),
    );
  }

  increment(key: string, windowMs: number): Promise<Count> {
    return new Promise((resolve) => this.count(key, windowMs, resolve));
  }

  read(key: string): Promise<Count> {
    return new Promise((resolve) => this.peek(key, resolve));
  }
}

/** The 429 for this request's surface (its route's audience). */
export function tooManyRequests(request: FastifyRequest, retryAfterSeconds: number, what = 'rate limit exceeded'): AppError {
  const audience = request.routeOptions.config?.audience ?? 'admin';
  const message = audience === 'page' ? `Too many requests. Try again in ${retryAfterSeconds} seconds.` : `${what}, retry in ${retryAfterSeconds} s`;
  return errors.RateLimited(retryAfterSeconds, message);
}

/**
 * Make the counters reachable from every surface's plugin: `app.limitCounter(group)` is a
 * limiter's own namespace in the shared store (Redis when it answers, memory otherwise).
 */
export function registerRateLimits(app: FastifyInstance, redis: RedisLink | undefined): void {
  app.decorate('limitCounter', (group: string) => new LimitCounter(redis, group));
}

/** The surfaces with a request limit of their own. */
export type LimitedSurface =
  | 'pages'
  | 'authorize'
  | 'end-session'
  | 'partner'
  | 'connectors'
  | 'msp'
  | 'oem'
  | 'vendor-api'
  | 'token'
  | 'introspect'
  | 'revoke'
  | 'userinfo';

interface SurfaceLimit {
  max: number;
  windowMs: number;
  /** The limiter's namespace in the store (`gatehouse:rl:<group>:<key>`): renaming one resets its counters. */
  group: string;
}

const pages =
  (group: string) =>
  ({ pageRateLimit: l }: Config): SurfaceLimit => ({ max: l.perIp, windowMs: l.windowMs, group });
const oauth =
  (group: string) =>
  ({ tokenRateLimit: l }: Config): SurfaceLimit => ({ max: l.perIp, windowMs: l.windowMs, group });

/** Which setting limits each surface. */
const LIMITS: Record<LimitedSurface, (config: Config) => SurfaceLimit> = {
  pages: pages('pages-ip'),
  authorize: pages('authorize-ip'),
  'end-session': pages('end-session-ip'),
  partner: pages('partner-ip'),
  connectors: pages('connectors-ip'),
  msp: pages('msp-ip'),
  oem: ({ oemRateLimit: l }) => ({ max: l.perIp, windowMs: l.windowMs, group: 'oem-ip' }),
  'vendor-api': ({ vendorApiRateLimit: l }) => ({ max: l.perIntegration, windowMs: l.windowMs, group: 'vendor-api' }),
  token: oauth('token-ip'),
  introspect: oauth('introspect-ip'),
  revoke: oauth('revoke-ip'),
  userinfo: oauth('userinfo-ip'),
};

/**
 * The surface's limit as an onRequest hook, counted per client address unless `key` names another
 * counter. Every answer carries the window's x-ratelimit-limit, -remaining and -reset; one over
 * the limit is a 429 with Retry-After. A request under two surfaces' hooks counts in the first
 * only. Without Redis the count is made in memory and the hook returns at once, with no promise
 * on the request path (the token endpoint's included).
 */
export function surfaceLimit(
  app: FastifyInstance,
  config: Config,
  surface: LimitedSurface,
  key: (request: FastifyRequest) => string = (request) => request.ip,
): onRequestHookHandler {
  const { max, windowMs, group } = LIMITS[surface](config);
  const counter = app.limitCounter(group);
  return (request, reply, done) => {
    if (request.rateLimitCounted) return done();
    request.rateLimitCounted = true;
    counter.count(key(request), windowMs, ({ current, ttl }) => {
      const reset = Math.ceil(ttl / 1000);
      reply
        .header('x-ratelimit-limit', max)
        .header('x-ratelimit-remaining', Math.max(0, max - current))
        .header('x-ratelimit-reset', reset);
      if (current <= max) return done();
      done(tooManyRequests(request, Math.max(1, reset)));
    });
  };
}

/**
 * The OAuth endpoints' second limit, per client id (GATEHOUSE_TOKEN_RATE_LIMIT_CLIENT). It is a
 * preHandler (the client id may be in the body), in a namespace of its own in the same store.
 */
export function clientLimit(
  app: FastifyInstance,
  config: Config,
  surface: 'token' | 'introspect' | 'revoke' | 'userinfo',
  key: (request: FastifyRequest) => string,
): preHandlerHookHandler {
  const { perClient, windowMs } = config.tokenRateLimit;
  const counter = app.limitCounter(`${surface}-client`);
  return (request, _reply, done) => {
    counter.count(key(request), windowMs, ({ current, ttl }) => {
      if (current <= perClient) return done();
      done(tooManyRequests(request, Math.max(1, Math.ceil(ttl / 1000)), 'rate limit exceeded for this client'));
    });
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** A limiter's counters, in the namespace `gatehouse:rl:<group>:` (decorated by registerRateLimits). */
    limitCounter(group: string): LimitCounter;
  }
  interface FastifyRequest {
    /** A surface's limit has counted this request. (decorated with its initial value in src/http/request-fields.ts) */
    rateLimitCounted: boolean;
  }
}
