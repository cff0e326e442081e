// Sign-in throttling, shared by every instance through the database, in three layers (the shape
// OWASP's authentication guidance describes and the large identity servers follow):
//  - per account and address pair: a few attempts per window, then refused until it passes;
//  - per address, across every account, with a much higher ceiling: one attacker guessing one
//    account does not shut a NAT or reverse proxy that many people share;
//  - per account from everywhere: past a number of failures each attempt waits longer, capped,
//    instead of a hard lockout; an address that has signed in to the account before is spared,
//    so an attacker elsewhere cannot keep the owner out.
// Each layer's count is taken before the password is checked, by one INSERT ... ON CONFLICT DO
// UPDATE whose WHERE admits or refuses: parallel guesses cannot all read "under the limit". A
// layer that refuses gives back what the earlier layers took, so only attempts that were
// evaluated count. An admitted attempt stays counted as a failure unless it succeeds; a success
// clears its pair and gives back its address and account counts. Accounts are keyed by the email
// typed, so an unknown address is throttled exactly like a known one. Keys are hashed: the tables
// hold no email or network address.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export const LOGIN_LIMITS = {
  pair: { attempts: 5, windowMs: 15 * 60_000 },
  address: { attempts: 100, windowMs: 15 * 60_000 },
  // The free-th failure blocks the account for 2 s, each further one twice as long as the last,
  // up to the cap; an hour without an admitted attempt forgets the count.
  account: { free: 10, maxDelaySeconds: 15 * 60, memoryMs: 60 * 60_000 },
  knownAddressMs: 30 * 86_400_000, // a successful sign-in spares its address for this long
} as const;

export type ThrottleLayer = 'pair' | 'address' | 'account';

/** The hashed keys one attempt counts under. */
export interface ThrottleKeys {
  readonly pair: string;
  readonly address: string;
  readonly account: string;
  readonly known: string; // the pair's entry among addresses that signed in
}

/** What an admitted attempt took, to hand to `succeeded`. */
export type Ticket = Omit<ThrottleKeys, 'account'> & {
  readonly account: string | undefined; // undefined: a known address, the account was not counted
};

export type Admission = { admitted: true; ticket: Ticket } | { admitted: false; layer: ThrottleLayer; retryAfter: number };

/**
 * The network an address stands for. An IPv6 host usually holds a whole /64 and picks addresses
 * from it at will, so the /64 is counted; IPv4-mapped IPv6 counts as the IPv4 address it maps.
 */
export function addressBlock(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  let canonical: string;
  try {
    canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1); // RFC 5952 form, hex only
  } catch {
    return ip; // a zone index ("fe80::1%eth0"): link-local, counted as it is
  }
  const [head, tail] = canonical.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups.slice(0, 4).join(':')}::/64`;
}

const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('base64url');

/** The hashed keys one attempt (normalized email, client address) counts under. */
export function throttleKeys(email: string, ip: string): ThrottleKeys {
  const block = addressBlock(ip);
  return {
    pair: digest('pair', email, block),
    address: digest('address', block),
    account: digest('account', email),
    known: digest('known', email, block),
  };
}

export class LoginThrottle {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Take this attempt's counts, or refuse it (the password must then not be checked). */
  async admit(email: string, ip: string): Promise<Admission> {
    const now = Date.now();
    const keys = throttleKeys(email, ip);
    if (!(await this.#count(keys.pair, LOGIN_LIMITS.pair, now))) return this.#refuse('pair', keys.pair, now);
    if (!(await this.#count(keys.address, LOGIN_LIMITS.address, now))) {
      await this.#giveBack([keys.pair]);
      return this.#refuse('address', keys.address, now);
    }
    const known = await this.#known(keys.known, now);
    if (!known && !(await this.#delay(keys.account, now))) {
      await this.#giveBack([keys.pair, keys.address]);
      return this.#refuse('account', keys.account, now);
    }
    return { admitted: true, ticket: { ...keys, account: known ? undefined : keys.account } };
  }

  /** The admitted attempt signed in: clear its pair, give back the rest, remember the address. */
  async succeeded(ticket: Ticket): Promise<void> {
    const now = new Date();
    await this.#db.deleteFrom('login_throttle').where('key', '=', ticket.pair).execute();
    await this.#giveBack(ticket.account ? [ticket.address, ticket.account] : [ticket.address]);
    await this.#db
      .insertInto('login_known_addresses')
      .values({ key: ticket.known, last_success_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ last_success_at: now }))
      .execute();
  }

  /** Counts whose window has passed, and addresses not signed in from for weeks. */
  async purge(): Promise<void> {
    const now = Date.now();
    await this.#db.deleteFrom('login_throttle').where('window_ends_at', '<', new Date(now)).execute();
    await this.#db
      .deleteFrom('login_known_addresses')
      .where('last_success_at', '<', new Date(now - LOGIN_LIMITS.knownAddressMs))
      .execute();
  }

  /** One more attempt in a fixed window, unless the window already holds `attempts`. */
  async #count(key: string, limit: { attempts: number; windowMs: number }, now: number): Promise<boolean> {
    const at = new Date(now);
    const passed = sql<boolean>`login_throttle.window_ends_at <= ${at}`;
    const row = await this.#db
      .insertInto('login_throttle')
      .values({ key, attempts: 1, window_ends_at: new Date(now + limit.windowMs) })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({
            attempts: sql`case when ${passed} then 1 else login_throttle.attempts + 1 end`,
            window_ends_at: sql`case when ${passed} then excluded.window_ends_at else login_throttle.window_ends_at end`,
          })
          .where(sql<boolean>`${passed} or login_throttle.attempts < ${limit.attempts}`),
      )
      .returning('key')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The account's next attempt, unless its last failure still blocks it; sets the next block. */
  async #delay(key: string, now: number): Promise<boolean> {
    const { free, maxDelaySeconds, memoryMs } = LOGIN_LIMITS.account;
    const at = new Date(now);
    const forgotten = sql<boolean>`login_throttle.window_ends_at <= ${at}`;
    const n = sql<number>`(case when ${forgotten} then 1 else login_throttle.attempts + 1 end)`;
    const row = await this.#db
      .insertInto('login_throttle')
      .values({ key, attempts: 1, window_ends_at: new Date(now + memoryMs), blocked_until: null })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({
            attempts: n,
            window_ends_at: sql`excluded.window_ends_at`,
            blocked_until: sql`case when ${n} < ${free}::int then null
          else ${at}::timestamptz + least(${maxDelaySeconds}::float8, power(2::float8, least(${n} - ${free}::int + 1, 30))) * interval '1 second' end`,
          })
          .where(sql<boolean>`${forgotten} or login_throttle.blocked_until is null or login_throttle.blocked_until <= ${at}`),
      )
      .returning('key')
      .executeTakeFirst();
    return row !== undefined;
  }

  async #known(key: string, now: number): Promise<boolean> {
    const row = await this.#db
      .selectFrom('login_known_addresses')
      .select('key')
      .where('key', '=', key)
      .where('last_success_at', '>', new Date(now - LOGIN_LIMITS.knownAddressMs))
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Hand back counts taken for an attempt that was not evaluated, or that succeeded. */
  async #giveBack(keys: string[]): Promise<void> {
    await this.#db
      .updateTable('login_throttle')
      .set({ attempts: sql`greatest(login_throttle.attempts - 1, 0)` })
      .where('key', 'in', keys)
      .execute();
  }

  async #refuse(layer: ThrottleLayer, key: string, now: number): Promise<Admission> {
    const row = await this.#db.selectFrom('login_throttle').select(['window_ends_at', 'blocked_until']).where('key', '=', key).executeTakeFirst();
    const until = (layer === 'account' ? row?.blocked_until : row?.window_ends_at)?.getTime() ?? now;
    return { admitted: false, layer, retryAfter: Math.max(1, Math.ceil((until - now) / 1000)) };
  }
}
