// Spending a single-use secret and storing what it buys, as one statement:
//   WITH source AS (UPDATE ... RETURNING ...), write_0 AS (INSERT ... SELECT ... FROM source), ...
//   SELECT * FROM source
// Its sub-statements see one snapshot and take effect together (or not at all), so it needs no
// transaction, and no BEGIN and COMMIT round trips; foreign keys are checked at its end, once
// every row is in. When the spend matches no row, the writes, selecting from it, write nothing.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { retrying } from './retry.ts';
import type { Database } from './schema.ts';

/** Run the statement; the spent row, or undefined. A deadlock it loses changed nothing and is run again. */
export async function spendAndStore<Row>(
  db: Kysely<Database>,
  source: string,
  spend: RawBuilder<unknown>,
  writes: RawBuilder<unknown>[],
): Promise<Row | undefined> {
  const items = [sql`${sql.id(source)} as (${spend})`, ...writes.map((write, i) => sql`${sql.id(`write_${i}`)} as (${write})`)];
  const result = await retrying(() => sql<Row>`with ${sql.join(items)} select * from ${sql.id(source)}`.execute(db));
  return result.rows[0];
}
