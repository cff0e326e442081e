// A code exchange and a refresh are each one database statement: the spend, the grant, the next
// refresh token and the access token's record go together or not at all, with no transaction
// to hold open. Every statement the database receives is recorded (PGlite or PostgreSQL);
// background work (the audit batch, the outbox) touches none of the grant's tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { basic, onPostgres, startGatehouse, type TestGatehouse } from './helpers.ts';
import { codeClient, codeFor, tenant } from './interactive-helpers.ts';

const CB = 'https://app.example/cb';
const GRANT_TABLES = /\b(authorization_codes|refresh_tokens|grants|grant_jtis|access_tokens|users)\b/;

/** Record the SQL of every statement sent while `work` runs. */
async function statementsOf(g: TestGatehouse, work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const note = (text: unknown) => seen.push(typeof text === 'string' ? text : String((text as { text?: unknown })?.text));
  const restore: (() => void)[] = [];
  if (onPostgres) {
    const query = Reflect.get(pg.Client.prototype, 'query') as (this: pg.Client, ...args: unknown[]) => unknown;
    Reflect.set(pg.Client.prototype, 'query', function (this: pg.Client, ...args: unknown[]) {
      note(args[0]);
      return query.apply(this, args);
    });
    restore.push(() => Reflect.set(pg.Client.prototype, 'query', query));
  } else {
    type Run = (...args: unknown[]) => Promise<unknown>;
    const pglite = g.services.storage.pglite!;
    const query = pglite.query.bind(pglite) as Run;
    const transaction = pglite.transaction.bind(pglite);
    Object.assign(pglite, {
      query: (...args: unknown[]) => (note(args[0]), query(...args)),
      transaction: (work: Parameters<typeof transaction>[0]) => {
        note('begin');
        return transaction((tx) => {
          const inner = tx.query.bind(tx) as Run;
          return work(Object.assign(tx, { query: (...args: unknown[]) => (note(args[0]), inner(...args)) }));
        });
      },
    });
    restore.push(() => (Reflect.deleteProperty(pglite, 'query'), Reflect.deleteProperty(pglite, 'transaction')));
  }
  try {
    await work();
  } finally {
    for (const r of restore) r();
  }
  return seen.filter((text) => GRANT_TABLES.test(text) || /^\s*begin\b/i.test(text));
}

test('a code exchange and a refresh are one statement each', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const acme = await tenant(g);
  for (const format of ['jwt', 'opaque'] as const) {
    await t.test(`${format} access tokens`, async () => {
      const app = await codeClient(g, { name: `App ${format}`, token_format: format });
      const token = (params: Record<string, string>) =>
        g.app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(app.client_id, app.client_secret) },
          payload: new URLSearchParams(params).toString(),
        });
      // The first request of a client reads it (and its vendor) into the caches.
      const warm = await codeFor(g, acme, app);
      assert.equal((await token({ grant_type: 'authorization_code', code: warm.code, code_verifier: warm.verifier, redirect_uri: CB })).statusCode, 200);

      const { code, verifier } = await codeFor(g, acme, app);
      let body: { refresh_token: string } | undefined;
      const exchange = await statementsOf(g, async () => {
        const res = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CB });
        assert.equal(res.statusCode, 200, res.body);
        body = res.json();
      });
      assert.equal(exchange.length, 1, `code exchange: ${exchange.join('\n')}`);
      assert.match(exchange[0], /update authorization_codes/);

      const refresh = await statementsOf(g, async () => {
        const res = await token({ grant_type: 'refresh_token', refresh_token: body!.refresh_token });
        assert.equal(res.statusCode, 200, res.body);
      });
      assert.equal(refresh.length, 1, `refresh: ${refresh.join('\n')}`);
      assert.match(refresh[0], /update refresh_tokens/);
    });
  }
});
