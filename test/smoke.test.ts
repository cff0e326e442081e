import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basic, createClient, startGatehouse } from './helpers.ts';

test('a client gets a client_credentials token', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const c = await createClient(g);
  const res = await g.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { authorization: basic(c.client_id, c.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=client_credentials',
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().token_type, 'Bearer');
  assert.equal(res.headers['cache-control'], 'no-store');
});
