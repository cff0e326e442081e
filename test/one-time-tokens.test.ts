// The shared one-time-token store (src/db/one-time-tokens.ts) that the seven token tables use:
// only the hash is stored, a token is spent by exactly one of many concurrent callers, a failed
// spend says why, a store's own condition leaves the token unspent, and purge keeps a day.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '../src/crypto.ts';
import { SpendableTokens } from '../src/db/one-time-tokens.ts';
import { startGatehouse } from './helpers.ts';
import { createOrganization, createVendor } from './oem-helpers.ts';

test('the one-time-token store', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const db = g.services.storage.db;
  const { organizationId } = await createOrganization(g, await createVendor(g));
  const [owner] = await g.services.organizations.users(organizationId);
  const store = new SpendableTokens(db, { table: 'password_links', hashColumn: 'token_hash', ttlSeconds: 600, prefix: 'ght_' });

  await t.test('issue stores the SHA-256 of the token, never the token, with its expiry', async () => {
    const before = Date.now();
    const { token, expiresAt } = await store.issue({ user_id: owner!.id });
    assert.match(token, /^ght_[A-Za-z0-9_-]{43}$/);
    assert.ok(Math.abs(expiresAt.getTime() - (before + 600_000)) < 5000);
    const rows = await db.selectFrom('password_links').selectAll().where('user_id', '=', owner!.id).execute();
    assert.ok(rows.some((r) => r.token_hash === sha256(token)));
    assert.ok(rows.every((r) => r.token_hash !== token));
  });

  await t.test('20 concurrent redemptions, each in its own transaction: one winner, nineteen "used"', async () => {
    const { token } = await store.issue({ user_id: owner!.id });
    const results = await Promise.all(Array.from({ length: 20 }, () => db.transaction().execute((trx) => store.redeem(token, { db: trx }))));
    assert.equal(results.filter((r) => r.ok).length, 1);
    assert.deepEqual(
      results.filter((r) => !r.ok).map((r) => r.reason),
      Array(19).fill('used'),
    );
  });

  await t.test('a failed spend says unknown, used or expired', async () => {
    assert.deepEqual(await store.redeem('ght_nothing-like-this'), { ok: false, reason: 'unknown' });
    const expired = await store.issue({ user_id: owner!.id }, { ttlSeconds: -1 });
    const result = await store.redeem(expired.token);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, 'expired');
    const spent = await store.issue({ user_id: owner!.id });
    assert.equal((await store.redeem(spent.token)).ok, true);
    const again = await store.redeem(spent.token);
    assert.equal(!again.ok && again.reason, 'used');
  });

  await t.test("a store's own condition refuses without spending the token", async () => {
    const { token } = await store.issue({ user_id: owner!.id });
    const refused = await store.redeem(token, { narrow: (query) => query.where('user_id', '=', 'someone-else') });
    assert.equal(!refused.ok && refused.reason, 'refused');
    assert.equal((await store.find(token))?.used_at, null);
    assert.equal(store.state((await store.find(token))!), 'live');
    assert.equal((await store.redeem(token, { narrow: (query) => query.where('user_id', '=', owner!.id) })).ok, true);
  });

  await t.test('purge drops what expired more than a day ago and keeps the rest', async () => {
    const old = await store.issue({ user_id: owner!.id }, { ttlSeconds: -2 * 86400 });
    const recent = await store.issue({ user_id: owner!.id }, { ttlSeconds: -60 });
    const live = await store.issue({ user_id: owner!.id });
    await store.purge();
    assert.equal(await store.find(old.token), undefined);
    assert.ok(await store.find(recent.token));
    assert.ok(await store.find(live.token));
  });
});
