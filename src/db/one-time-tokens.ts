// The one mechanism behind every secret Gatehouse hands out once and looks up by value (login and
// password links, browser sessions, connect links, connector states, authorization codes, refresh
// tokens): a random token the holder keeps, its SHA-256 the only thing stored, an expiry, and, for
// the single-use ones, spending in one conditional statement
//   UPDATE ... SET used_at = now WHERE hash = $1 AND used_at IS NULL AND expires_at > now RETURNING *
// so that of two requests racing on one token exactly one gets the row (no read-then-write gap).
// What a store adds on top (whose token it is, what else must hold, what a failure is called) stays
// in its own module.
import type { Insertable, Kysely, Selectable, UpdateQueryBuilder, UpdateResult } from 'kysely';
import { randomToken, sha256 } from '../crypto.ts';
import type { Database } from './schema.ts';

/** The tables that hold hashed one-time secrets. */
export type TokenTable =
  | 'login_links'
  | 'password_links'
  | 'browser_sessions'
  | 'connect_links'
  | 'connector_states'
  | 'authorization_codes'
  | 'refresh_tokens'
  | 'operator_sessions'
  | 'operator_password_links';
/** Those whose tokens are spent (they have `used_at`); a browser session is ended, not spent. */
export type SpendableTable = Exclude<TokenTable, 'browser_sessions' | 'operator_sessions'>;

export type TokenRow<T extends TokenTable> = Selectable<Database[T]>;

/** What a store may narrow the spending UPDATE by (the client that owns the token, say). */
export type SpendQuery<T extends SpendableTable> = UpdateQueryBuilder<Database, T, T, UpdateResult>;

export type Redemption<Row> =
  | { ok: true; row: Row }
  | { ok: false; reason: 'unknown' }
  // `refused`: live and unused, but the store's own condition on the spend did not hold.
  | { ok: false; reason: 'used' | 'expired' | 'refused'; row: Row };

export interface TokenStoreOptions<T extends TokenTable> {
  table: T;
  /** The column holding the token's SHA-256. */
  hashColumn: keyof Database[T] & string;
  ttlSeconds: number;
  /** Put in front of the random part, so a leaked token says what it is (`ghr_` for refresh tokens). */
  prefix?: string;
}

/** Expired rows are kept this long, so that a late use is told "used" or "expired" (and a replayed code still revokes). */
const KEEP_EXPIRED_MS = 86_400_000;

// Kysely cannot follow a column named by a type parameter, so the queries are built over this
// loose view of the table and their rows handed back as the caller's table type.
type Loose = Record<string, { [column: string]: unknown; expires_at: Date; used_at: Date | null }>;
const loose = (db: Kysely<Database>) => db as unknown as Kysely<Loose>;

export class OneTimeTokens<T extends TokenTable> {
  protected readonly db: Kysely<Database>;
  protected readonly options: TokenStoreOptions<T>;

  constructor(db: Kysely<Database>, options: TokenStoreOptions<T>) {
    this.db = db;
    this.options = options;
  }

  /** The table's name as the loose view above sees it. */
  protected get table(): string {
    return this.options.table;
  }

  protected get hashColumn(): string {
    return this.options.hashColumn;
  }

  /**
   * Store a new token's hash with `values` (inside `db` when given, e.g. the transaction that
   * proved who the holder is); the token itself is returned and never stored.
   */
  async issue(
    values: Omit<Insertable<Database[T]>, TokenStoreOptions<T>['hashColumn'] | 'expires_at'>,
    options: { db?: Kysely<Database>; ttlSeconds?: number } = {},
  ): Promise<{ token: string; expiresAt: Date }> {
    const { token, hash, expiresAt } = this.fresh(options.ttlSeconds);
    await loose(options.db ?? this.db)
      .insertInto(this.table)
      .values({ ...values, [this.hashColumn]: hash, expires_at: expiresAt } as never)
      .execute();
    return { token, expiresAt };
  }

  /** A new token, its hash and its expiry, not yet stored (for a store that writes it in a larger statement). */
  fresh(ttlSeconds = this.options.ttlSeconds): { token: string; hash: string; expiresAt: Date } {
    const token = (this.options.prefix ?? '') + randomToken(32);
    return { token, hash: sha256(token), expiresAt: new Date(Date.now() + ttlSeconds * 1000) };
  }

  /** The row of a token, whatever its state. */
  async find(token: string, db: Kysely<Database> = this.db): Promise<TokenRow<T> | undefined> {
    const row = await loose(db).selectFrom(this.table).selectAll().where(this.hashColumn, '=', sha256(token)).executeTakeFirst();
    return row as TokenRow<T> | undefined;
  }

  /** Drop rows expired for a day. */
  async purge(): Promise<void> {
    await loose(this.db)
      .deleteFrom(this.table)
      .where('expires_at', '<', new Date(Date.now() - KEEP_EXPIRED_MS))
      .execute();
  }
}

export class SpendableTokens<T extends SpendableTable> extends OneTimeTokens<T> {
  /**
   * Spend the token in one statement if it is unused and unexpired (and `narrow` holds); the spent
   * row, or undefined for every other outcome.
   */
  async spend(token: string, options: { db?: Kysely<Database>; narrow?: (query: SpendQuery<T>) => SpendQuery<T> } = {}): Promise<TokenRow<T> | undefined> {
    const now = new Date();
    let query = loose(options.db ?? this.db)
      .updateTable(this.table)
      .set({ used_at: now })
      .where(this.hashColumn, '=', sha256(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now);
    if (options.narrow) query = options.narrow(query as unknown as SpendQuery<T>) as unknown as typeof query;
    return (await query.returningAll().executeTakeFirst()) as TokenRow<T> | undefined;
  }

  /** Spend the token, or say why not (reading the row after the spend failed). */
  async redeem(token: string, options: Parameters<SpendableTokens<T>['spend']>[1] = {}): Promise<Redemption<TokenRow<T>>> {
    const spent = await this.spend(token, options);
    if (spent) return { ok: true, row: spent };
    const row = await this.find(token, options.db);
    if (!row) return { ok: false, reason: 'unknown' };
    const state = this.state(row);
    return { ok: false, reason: state === 'live' ? 'refused' : state, row };
  }

  /** Where a found token stands, without spending it (`live` is spendable as far as this table knows). */
  state(row: TokenRow<T>): 'used' | 'expired' | 'live' {
    const { used_at: usedAt, expires_at: expiresAt } = row as unknown as Loose[string];
    if (usedAt) return 'used';
    if (expiresAt <= new Date()) return 'expired';
    return 'live';
  }
}
