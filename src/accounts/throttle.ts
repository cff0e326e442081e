// Sign-in throttling, per account and per client address, shared by every instance through the
// database. A few failures are free; after that each failure blocks the key for twice as long as
// the last (2 s, 4 s, 8 s ... up to 15 minutes). A quiet quarter of an hour forgets the count.
// Accounts are keyed by the email typed, so an unknown address is throttled exactly like a known
// one and the answer says nothing about whether the account exists.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

const WINDOW_MS = 15 * 60_000;
const MAX_BLOCK_SECONDS = 15 * 60;
export const FREE_FAILURES = { account: 5, ip: 20 } as const;

export type ThrottleKey = { kind: keyof typeof FREE_FAILURES; value: string };

const keyOf = (k: ThrottleKey) => `${k.kind}:${k.value}`;

/** Seconds the key stays blocked after its n-th failure in a row. */
export function blockSeconds(kind: ThrottleKey['kind'], failures: number): number {
  const over = failures - FREE_FAILURES[kind];
  return over <= 0 ? 0 : Math.min(MAX_BLOCK_SECONDS, 2 ** over);
}

export class LoginThrottle {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Seconds to wait before another attempt with these keys (0: go ahead). */
  async wait(keys: ThrottleKey[]): Promise<number> {
    const now = Date.now();
    const rows = await this.#db.selectFrom('login_throttle').select('blocked_until').where('key', 'in', keys.map(keyOf)).execute();
    const until = Math.max(0, ...rows.map((r) => r.blocked_until?.getTime() ?? 0));
    return until > now ? Math.ceil((until - now) / 1000) : 0;
  }

  /** Count a failure against every key; returns the longest block it caused, in seconds. */
  async fail(keys: ThrottleKey[]): Promise<number> {
    const now = new Date();
    let longest = 0;
    for (const k of keys) {
      const row = await this.#db.insertInto('login_throttle').values({ key: keyOf(k), failures: 1, last_failure_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({
          failures: sql`case when login_throttle.last_failure_at < ${new Date(now.getTime() - WINDOW_MS)} then 1 else login_throttle.failures + 1 end`,
          last_failure_at: now,
        }))
        .returning('failures').executeTakeFirstOrThrow();
      const seconds = blockSeconds(k.kind, row.failures);
      if (seconds > 0) {
        await this.#db.updateTable('login_throttle').set({ blocked_until: new Date(now.getTime() + seconds * 1000) }).where('key', '=', keyOf(k)).execute();
        longest = Math.max(longest, seconds);
      }
    }
    return longest;
  }

  /** A successful sign-in clears the account's count (the address keeps its own). */
  async succeed(key: ThrottleKey): Promise<void> {
    await this.#db.deleteFrom('login_throttle').where('key', '=', keyOf(key)).execute();
  }

  async purge(): Promise<void> {
    await this.#db.deleteFrom('login_throttle').where('last_failure_at', '<', new Date(Date.now() - WINDOW_MS - MAX_BLOCK_SECONDS * 1000)).execute();
  }
}
