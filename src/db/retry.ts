// Transactions that may lose a race: PostgreSQL can abort one side of a deadlock (40P01) or a
// serialization failure (40001). Such a transaction changed nothing, so it is safe to run again;
// the caller never sees a 5xx for a race it did not cause.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

const RETRYABLE = new Set(['40001', '40P01']);

export async function transact<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (attempt >= attempts || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
    }
  }
}
