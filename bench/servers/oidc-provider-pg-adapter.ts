// A node-oidc-provider adapter that keeps everything in PostgreSQL, so that the peer of
// Gatehouse's refresh and code-exchange rows writes to disk as Gatehouse does (its in-memory
// development adapter keeps nothing). One table, one row per stored model instance, keyed by
// (id, kind); grant_id, user_code and uid are the lookups the provider makes besides the id.
// Every method is one statement on a pool of 10 connections, Gatehouse's own pool size.
import type { Adapter, AdapterPayload } from 'oidc-provider';
import pg from 'pg';

const TABLE = `create table if not exists oidc_payloads (
  id text not null,
  kind text not null,
  payload jsonb not null,
  grant_id text,
  user_code text,
  uid text,
  expires_at timestamptz,
  consumed timestamptz,
  primary key (id, kind)
);
create index if not exists oidc_payloads_grant on oidc_payloads (grant_id);
create index if not exists oidc_payloads_user_code on oidc_payloads (user_code);
create index if not exists oidc_payloads_uid on oidc_payloads (uid);`;

interface Stored {
  payload: AdapterPayload;
  consumed: Date | null;
}

/** The payload as the provider saved it, with `consumed` (epoch seconds) once spent. */
const found = (rows: Stored[]): AdapterPayload | undefined => {
  const row = rows[0];
  if (!row) return undefined;
  return row.consumed ? { ...row.payload, consumed: Math.floor(row.consumed.getTime() / 1000) } : row.payload;
};

const LIVE = '(expires_at is null or expires_at > now())';

class PostgresAdapter implements Adapter {
  #pool: pg.Pool;
  #kind: string;

  constructor(pool: pg.Pool, kind: string) {
    this.#pool = pool;
    this.#kind = kind;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    await this.#pool.query(
      `insert into oidc_payloads (id, kind, payload, grant_id, user_code, uid, expires_at)
       values ($1, $2, $3, $4, $5, $6, case when $7::int is null then null else now() + make_interval(secs => $7::int) end)
       on conflict (id, kind) do update set payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code,
         uid = excluded.uid, expires_at = excluded.expires_at, consumed = null`,
      [id, this.#kind, payload, payload.grantId ?? null, payload.userCode ?? null, payload.uid ?? null, expiresIn ?? null],
    );
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const { rows } = await this.#pool.query<Stored>(`select payload, consumed from oidc_payloads where id = $1 and kind = $2 and ${LIVE}`, [id, this.#kind]);
    return found(rows);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const { rows } = await this.#pool.query<Stored>(`select payload, consumed from oidc_payloads where uid = $1 and kind = $2 and ${LIVE}`, [uid, this.#kind]);
    return found(rows);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const { rows } = await this.#pool.query<Stored>(`select payload, consumed from oidc_payloads where user_code = $1 and kind = $2 and ${LIVE}`, [
      userCode,
      this.#kind,
    ]);
    return found(rows);
  }

  async consume(id: string): Promise<void> {
    await this.#pool.query('update oidc_payloads set consumed = now() where id = $1 and kind = $2', [id, this.#kind]);
  }

  async destroy(id: string): Promise<void> {
    await this.#pool.query('delete from oidc_payloads where id = $1 and kind = $2', [id, this.#kind]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#pool.query('delete from oidc_payloads where grant_id = $1', [grantId]);
  }
}

/** Create the table if needed; returns the provider's `adapter` setting and a function that closes the pool. */
export async function postgresAdapter(url: string): Promise<{ adapter: (kind: string) => Adapter; close: () => Promise<void> }> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  await pool.query(TABLE);
  return { adapter: (kind) => new PostgresAdapter(pool, kind), close: () => pool.end() };
}
