// On PostgreSQL the statements a token request sends (marked PREPARED) go as named prepared
// statements, one name per text, planned once per connection; everything else goes as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { PREPARED, prepareMarked } from '../src/db/prepared.ts';
import { createTestDatabase, onPostgres } from './helpers.ts';

test(
  'marked statements are prepared once per connection under a name of their text; others are not',
  { skip: !onPostgres && 'PostgreSQL only (TEST_DATABASE_URL)' },
  async () => {
    const database = await createTestDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      prepareMarked(client);
      const marked = `${PREPARED}select $1::int + 1 as n`;
      const other = `${PREPARED}select $1::text || '!' as s`;
      assert.deepEqual((await client.query(marked, [1])).rows, [{ n: 2 }]);
      assert.deepEqual((await client.query(marked, [41])).rows, [{ n: 42 }], 'the prepared statement runs again with new values');
      assert.deepEqual((await client.query(other, ['hi'])).rows, [{ s: 'hi!' }]);
      assert.deepEqual((await client.query('select $1::int * 2 as n', [4])).rows, [{ n: 8 }]);
      const prepared = await client.query<{ name: string; statement: string }>('select name, statement from pg_prepared_statements order by statement');
      assert.deepEqual(
        prepared.rows.map((r) => r.statement),
        [marked, other].sort(),
        'one prepared statement for each marked text, none for the unmarked one',
      );
      for (const { name } of prepared.rows) assert.match(name, /^gh_[A-Za-z0-9_-]{32}$/);
      // A refused statement leaves the connection usable, its prepared statements with it.
      await assert.rejects(client.query(`${PREPARED}select 1 / $1::int`, [0]), /division by zero/);
      assert.deepEqual((await client.query(marked, [2])).rows, [{ n: 3 }]);
    } finally {
      await client.end();
      await database.drop();
    }
  },
);
