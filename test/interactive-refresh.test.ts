// Refresh tokens and authorization codes under attack: rotation on every use, reuse of a spent
// refresh token revoking the family (RFC 9700 §4.14.2) unless within the optional grace window,
// concurrent refreshes with one winner, a replayed code revoking what its first redemption
// issued (RFC 6749 §4.1.2, RFC 9700 §4.2.4), PKCE downgrades, and the binding of a refresh
// token to its client and scope (RFC 6749 §6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { basic, startGatehouse, type TestGatehouse } from './helpers.ts';
import { Browser, authorize, codeClient, codeFor, tenant, type Tenant } from './interactive-helpers.ts';

const CB = 'https://app.example/cb';
const FORM = 'application/x-www-form-urlencoded';

type Creds = { client_id: string; client_secret: string };
type Tokens = { access_token: string; refresh_token: string; scope: string };

/** Token-endpoint and introspection calls for one Gatehouse. */
function oauth(g: TestGatehouse, who: Tenant) {
  const token = (c: Creds, params: Record<string, string>) =>
    g.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': FORM, authorization: basic(c.client_id, c.client_secret) },
      payload: new URLSearchParams(params).toString(),
    });
  const refresh = (c: Creds, refreshToken: string, extra: Record<string, string> = {}) =>
    token(c, { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra });
  /** A fresh code for `c`, redeemed once. */
  async function redeem(c: Creds): Promise<Tokens & { code: string; verifier: string }> {
    const { code, verifier } = await codeFor(g, who, c);
    const res = await token(c, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CB });
    assert.equal(res.statusCode, 200, res.body);
    return { ...res.json(), code, verifier };
  }
  async function rotate(c: Creds, refreshToken: string): Promise<Tokens> {
    const res = await refresh(c, refreshToken);
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  }
  async function active(c: Creds, value: string): Promise<boolean> {
    const res = await g.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { 'content-type': FORM, authorization: basic(c.client_id, c.client_secret) },
      payload: new URLSearchParams({ token: value }).toString(),
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().active;
  }
  return { token, refresh, redeem, rotate, active };
}

function assertInvalidGrant(res: { statusCode: number; body: string; json(): { error: string } }, what: string) {
  assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
  assert.equal(res.json().error, 'invalid_grant', what);
}

test('refresh tokens and authorization codes', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  assert.equal(g.services.config.refreshReuseGrace, 0, 'the grace window is off by default');
  const acme = await tenant(g);
  const jwtApp = await codeClient(g, { name: 'JWT App' });
  const opaqueApp = await codeClient(g, { name: 'Opaque App', token_format: 'opaque' });
  const { token, refresh, redeem, rotate, active } = oauth(g, acme);

  await t.test('every refresh rotates: a new refresh token each time, the old one spent', async () => {
    const first = await redeem(jwtApp);
    const seen = new Set([first.refresh_token]);
    let current = first.refresh_token;
    for (let i = 0; i < 3; i++) {
      const next = await rotate(jwtApp, current);
      assert.match(next.refresh_token, /^ghr_/);
      assert.ok(!seen.has(next.refresh_token), `rotation ${i} handed out a refresh token seen before`);
      assert.equal(await active(jwtApp, next.access_token), true);
      const old = await g.services.refreshTokens.find(current);
      assert.ok(old?.used_at, `rotation ${i}: the presented token is marked spent`);
      assert.equal((await g.services.refreshTokens.find(next.refresh_token))?.used_at, null);
      seen.add(next.refresh_token);
      current = next.refresh_token;
    }
  });

  for (const app of [jwtApp, opaqueApp]) {
    const format = app === jwtApp ? 'JWT' : 'opaque';
    await t.test(`reusing a spent refresh token is invalid_grant and revokes the whole family (${format} access tokens)`, async () => {
      const first = await redeem(app);
      const second = await rotate(app, first.refresh_token);
      const third = await rotate(app, second.refresh_token);
      for (const access of [first, second, third]) assert.equal(await active(app, access.access_token), true);
      assertInvalidGrant(await refresh(app, first.refresh_token), 'a spent refresh token');
      assertInvalidGrant(await refresh(app, third.refresh_token), 'the newest refresh token of a revoked family');
      for (const [i, access] of [first, second, third].entries()) assert.equal(await active(app, access.access_token), false, `access token ${i} still active`);
      const grant = await g.services.storage.db
        .selectFrom('grants')
        .select(['revoked_at', 'revoked_reason'])
        .where('id', '=', (await g.services.refreshTokens.find(first.refresh_token))!.grant_id)
        .executeTakeFirstOrThrow();
      assert.equal(grant.revoked_reason, 'refresh_token_reused');
      // Another family of the same user and client is untouched.
      const other = await redeem(app);
      assert.equal((await refresh(app, other.refresh_token)).statusCode, 200);
    });
  }

  await t.test('20 concurrent refreshes of one token: one 200, nineteen invalid_grant, no 5xx; the winner carries on', async () => {
    const first = await redeem(jwtApp);
    const answers = await Promise.all(Array.from({ length: 20 }, () => refresh(jwtApp, first.refresh_token)));
    const statuses = answers.map((r) => r.statusCode);
    assert.ok(
      statuses.every((s) => s < 500),
      `a 5xx among ${statuses.join(',')}`,
    );
    const winners = answers.filter((r) => r.statusCode === 200);
    assert.equal(winners.length, 1, `statuses: ${statuses.join(',')}`);
    for (const loser of answers.filter((r) => r.statusCode !== 200)) assertInvalidGrant(loser, 'a losing refresh');
    const won = winners[0].json() as Tokens;
    assert.equal(await active(jwtApp, won.access_token), true, "the winner's access token works");
    const after = await rotate(jwtApp, won.refresh_token);
    assert.equal(await active(jwtApp, after.access_token), true, 'the family lives on');
  });

  await t.test('a second redemption of a code is invalid_grant and revokes everything the first one issued', async () => {
    const first = await redeem(opaqueApp);
    const rotated = await rotate(opaqueApp, first.refresh_token);
    const again = await token(opaqueApp, { grant_type: 'authorization_code', code: first.code, code_verifier: first.verifier, redirect_uri: CB });
    assertInvalidGrant(again, 'a replayed code');
    assert.match(again.json().error_description, /already been used/);
    assert.equal(await active(opaqueApp, first.access_token), false);
    assert.equal(await active(opaqueApp, rotated.access_token), false);
    assertInvalidGrant(await refresh(opaqueApp, rotated.refresh_token), 'a refresh token descended from a replayed code');
    await g.services.audit.flush();
    assert.ok((await g.services.audit.list({ action: 'authorization_code.replayed' })).length > 0);
  });

  await t.test('two concurrent redemptions of one code: one winner, and the other counts as a replay', async () => {
    const { code, verifier } = await codeFor(g, acme, jwtApp);
    const params = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CB };
    const answers = await Promise.all([token(jwtApp, params), token(jwtApp, params)]);
    const statuses = answers.map((r) => r.statusCode).sort((a, b) => a - b);
    assert.deepEqual(statuses, [200, 400]);
    const loser = answers.find((r) => r.statusCode === 400)!;
    assertInvalidGrant(loser, 'the losing redemption');
    const won = answers.find((r) => r.statusCode === 200)!.json() as Tokens;
    // RFC 9700 §4.2.4: two parties presented the code, so what it bought is revoked.
    assert.equal(await active(jwtApp, won.access_token), false);
    assertInvalidGrant(await refresh(jwtApp, won.refresh_token), "the winner's refresh token");
  });

  await t.test('PKCE downgrade: a challenged code needs its verifier; a verifier for an unchallenged code is refused', async () => {
    const challenged = await codeFor(g, acme, jwtApp);
    const base = { grant_type: 'authorization_code', code: challenged.code, redirect_uri: CB };
    const missing = await token(jwtApp, base);
    assertInvalidGrant(missing, 'no code_verifier');
    assert.match(missing.json().error_description, /code_verifier is required/);
    assertInvalidGrant(await token(jwtApp, { ...base, code_verifier: 'A'.repeat(43) }), 'a wrong code_verifier');
    assert.equal((await token(jwtApp, { ...base, code_verifier: challenged.verifier })).statusCode, 200, 'the refusals did not spend the code');

    // A confidential client may go without PKCE; then a verifier at the token endpoint is a downgrade attempt.
    const browser = new Browser(g);
    await browser.login(acme.email, acme.password);
    const url = await authorize(browser, { response_type: 'code', client_id: jwtApp.client_id, redirect_uri: CB, state: 'plain' });
    const plain = url.searchParams.get('code')!;
    const row = await g.services.storage.db.selectFrom('authorization_codes').select('code_challenge').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    assert.equal(row.code_challenge, null);
    const sneaky = await token(jwtApp, { grant_type: 'authorization_code', code: plain, redirect_uri: CB, code_verifier: challenged.verifier });
    assertInvalidGrant(sneaky, 'a verifier for a code without a challenge');
    assert.match(sneaky.json().error_description, /no code_challenge/);
    assert.equal((await token(jwtApp, { grant_type: 'authorization_code', code: plain, redirect_uri: CB })).statusCode, 200);
  });

  await t.test("a refresh token is bound to its client: another client's is invalid_grant and stays good for its owner", async () => {
    const mine = await redeem(jwtApp);
    const stolen = await refresh(opaqueApp, mine.refresh_token);
    assertInvalidGrant(stolen, "another client's refresh token");
    assert.equal((await g.services.refreshTokens.find(mine.refresh_token))?.used_at, null, 'not spent by the stranger');
    const next = await rotate(jwtApp, mine.refresh_token);
    assert.equal(await active(jwtApp, next.access_token), true);
  });

  await t.test('scope on refresh may narrow, never widen; the rotated token keeps the full grant', async () => {
    const first = await redeem(jwtApp);
    assert.equal(first.scope, 'read write');
    const wider = await refresh(jwtApp, first.refresh_token, { scope: 'read write admin' });
    assert.equal(wider.statusCode, 400);
    assert.equal(wider.json().error, 'invalid_scope');
    assert.equal((await g.services.refreshTokens.find(first.refresh_token))?.used_at, null, 'a refused scope does not spend the token');
    const narrowed = await refresh(jwtApp, first.refresh_token, { scope: 'read' });
    assert.equal(narrowed.statusCode, 200, narrowed.body);
    assert.equal(narrowed.json().scope, 'read');
    assert.equal(decodeJwt(narrowed.json().access_token).scope, 'read');
    const full = await rotate(jwtApp, narrowed.json().refresh_token);
    assert.equal(full.scope, 'read write', 'RFC 6749 §6: the refresh token keeps the scope originally granted');
  });
});

test('the refresh-token reuse grace window (GATEHOUSE_REFRESH_REUSE_GRACE)', async (t) => {
  const g = await startGatehouse({ GATEHOUSE_REFRESH_REUSE_GRACE: '30' });
  t.after(() => g.stop());
  assert.equal(g.services.config.refreshReuseGrace, 30);
  const acme = await tenant(g);
  const app = await codeClient(g);
  const { refresh, redeem, rotate, active } = oauth(g, acme);
  const db = g.services.storage.db;

  await t.test('within the window a spent token yields another branch of the family; nothing is revoked', async () => {
    const first = await redeem(app);
    const winner = await rotate(app, first.refresh_token);
    const retried = await rotate(app, first.refresh_token);
    assert.notEqual(retried.refresh_token, winner.refresh_token);
    assert.equal(await active(app, winner.access_token), true);
    assert.equal(await active(app, retried.access_token), true);
    assert.equal((await rotate(app, winner.refresh_token)).scope, 'read write', 'the first branch still refreshes');
    assert.equal((await rotate(app, retried.refresh_token)).scope, 'read write', 'so does the retried one');
    await g.services.audit.flush();
    assert.ok((await g.services.audit.list({ action: 'refresh_token.reused_within_grace' })).length > 0);
  });

  await t.test('concurrent refreshes still have one winner: the window is for a retry, not a race', async () => {
    const first = await redeem(app);
    const answers = await Promise.all(Array.from({ length: 5 }, () => refresh(app, first.refresh_token)));
    assert.deepEqual(
      answers.map((r) => r.statusCode).sort((a, b) => a - b),
      [200, 400, 400, 400, 400],
    );
    const won = answers.find((r) => r.statusCode === 200)!.json() as Tokens;
    assert.equal(await active(app, won.access_token), true);
  });

  await t.test('after the window, reuse revokes the family as without grace', async () => {
    const first = await redeem(app);
    const winner = await rotate(app, first.refresh_token);
    await db
      .updateTable('refresh_tokens')
      .set({ used_at: new Date(Date.now() - 31_000) })
      .where('grant_id', '=', (await g.services.refreshTokens.find(first.refresh_token))!.grant_id)
      .where('used_at', 'is not', null)
      .execute();
    assertInvalidGrant(await refresh(app, first.refresh_token), 'reuse 31 s after the spend');
    assert.equal(await active(app, winner.access_token), false);
    assertInvalidGrant(await refresh(app, winner.refresh_token), 'the newest token of the revoked family');
  });

  await t.test("the window does not revive a revoked family, nor open another client's token", async () => {
    const first = await redeem(app);
    await rotate(app, first.refresh_token);
    const grantId = (await g.services.refreshTokens.find(first.refresh_token))!.grant_id;
    await g.services.authorizations.revoke(grantId, 'test');
    assertInvalidGrant(await refresh(app, first.refresh_token), 'a spent token of a revoked family, within the window');
    const other = await codeClient(g, { name: 'Other' });
    const fresh = await redeem(app);
    await rotate(app, fresh.refresh_token);
    assertInvalidGrant(await refresh(other, fresh.refresh_token), "another client's spent token, within the window");
  });
});
