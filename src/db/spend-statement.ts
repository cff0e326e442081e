// Spending a single-use secret and storing what it buys, as one statement:
//   WITH source AS (UPDATE ... RETURNING ...), write_0 AS (INSERT ... SELECT ... FROM source), ...
//   SELECT * FROM source
// Its sub-statements see one snapshot and take effect together (or not at all), so it needs no
// transaction, and no BEGIN and COMMIT round trips; foreign keys are checked at its end, once
// every row is in. When the spend matches no row, the writes, selecting from it, write nothing.
// On PostgreSQL it is a named prepared statement (prepared.ts): planned once per connection.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { PREPARED } from './prepared.ts';
import { retrying } from './retry.ts';
import type { Database } from './schema.ts';

/** A WITH item: its name, and the statement (each module writes the ones for its own tables). */
export type Step = [name: string, statement: RawBuilder<unknown>];

/** Run the statement, answering the rows of `source`; a deadlock it loses changed nothing and is run again. */
export async function spendAndStore<Row>(db: Kysely<Database>, steps: Step[], source: string): Promise<Row | undefined> {
  const items = steps.map(([name, statement]) => sql`${sql.id(name)} as (${statement})`);
  const result = await retrying(() => sql<Row>`${sql.raw(PREPARED)}with ${sql.join(items)} select * from ${sql.id(source)}`.execute(db));
  return result.rows[0];
}
