// The connection to Redis (REDIS_URL), which shares rate-limit counters between instances.
// Redis is a convenience, never a dependency of a request: commands time out after 50 ms, none
// is queued while the connection is down, and callers check `up` and count in memory meanwhile.
// Reconnection goes on forever with a capped backoff. The state is logged once per change (one
// warning when Redis goes away, one when it is back) and exported as the gatehouse_redis_up gauge.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';

const REDIS_COMMAND_TIMEOUT_MS = 50;
const CONNECT_TIMEOUT_MS = 500;
const MAX_RECONNECT_DELAY_MS = 2000;

type State = 'connecting' | 'up' | 'down';

export class RedisLink {
  readonly client: Redis;
  #state: State = 'connecting';
  #log: Logger;

  constructor(url: string, log: Logger, registry: Registry) {
    this.#log = log;
    this.client = new Redis(url, {
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(100 * attempt, MAX_RECONNECT_DELAY_MS),
    });
    // With a listener for 'error', ioredis no longer prints "Unhandled error event" per retry.
    this.client.on('error', (err: Error) => this.#down(err));
    this.client.on('close', () => this.#down(undefined));
    this.client.on('ready', () => {
      const was = this.#state;
      this.#state = 'up';
      if (was === 'down') this.#log.warn({ redis: 'up' }, 'Redis is reachable again: rate limits are shared between instances again');
    });
    const up = () => this.up;
    new Gauge({
      name: 'gatehouse_redis_up',
      help: 'Whether Redis (shared rate limits) is reachable: 1 up, 0 down',
      registers: [registry],
      collect() {
        this.set(up() ? 1 : 0);
      },
    });
  }

  get up(): boolean {
    return this.#state === 'up';
  }

  #down(err: Error | undefined): void {
    if (this.#state === 'down') return;
    this.#state = 'down';
    const cause = err ? { code: (err as NodeJS.ErrnoException).code, message: err.message } : { message: 'connection closed' };
    this.#log.warn({ redis: 'down', cause }, 'Redis is unreachable: rate limits are counted per instance until it returns');
  }

  async close(): Promise<void> {
    this.client.removeAllListeners('close');
    this.client.removeAllListeners('error');
    this.client.on('error', () => {});
    this.client.disconnect(false);
  }
}
