// Access tokens: JWTs per RFC 9068 under each signing algorithm, checked by an independent
// library (jose) against the published JWKS, and opaque tokens per client, random and stored
// only as their SHA-256.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { createClient, startGatehouse, type TestGatehouse } from './helpers.ts';
import { basicAuth, introspect, ISSUER, issueToken, jwks, post, sha256, type Credentials } from './oauth-helpers.ts';

let g: TestGatehouse;
let c: Credentials;
let rs: Credentials; // a resource server that introspects

before(async () => {
  g = await startGatehouse();
  c = await createClient(g, { name: 'inventory job', scopes: ['read', 'write'] });
  rs = await createClient(g, { name: 'resource server', scopes: [] });
});
after(() => g.stop());

test('a JWT access token per RFC 9068: at+jwt, ES256, a kid from the JWKS, every required claim', async () => {
  const issued = await issueToken(g, c, 'read');
  const header = decodeProtectedHeader(issued.access_token);
  assert.equal(header.typ, 'at+jwt'); // RFC 9068 §2.1
  assert.equal(header.alg, 'ES256');
  const { keys, keySet } = await jwks(g);
  const key = keys.find((k) => k.kid === header.kid);
  assert.ok(key, 'the kid is published in the JWKS');
  assert.equal(key.alg, 'ES256');
  assert.equal(key.kty, 'EC');
  assert.equal(key.crv, 'P-256');
  assert.equal(key.use, 'sig');
  const { payload } = await jwtVerify(issued.access_token, keySet, {
    issuer: ISSUER, audience: ISSUER, typ: 'at+jwt', algorithms: ['ES256'],
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope'],
  });
  assert.equal(payload.sub, c.client_id, 'RFC 9068 §2.2: without a user, sub is the client');
  assert.equal(payload.client_id, c.client_id);
  assert.equal(payload.scope, 'read');
  assert.equal(typeof payload.jti, 'string');
  assert.ok(Math.abs((payload.iat as number) - Date.now() / 1000) < 60);
  assert.equal((payload.exp as number) - (payload.iat as number), issued.expires_in);
  const other = await issueToken(g, c, 'read');
  assert.notEqual(decodeJwt(other.access_token).jti, payload.jti, 'every token has its own jti');
});

test('a client\'s access_token_ttl sets expires_in and exp', async () => {
  const short = await createClient(g, { name: 'short-lived', scopes: ['read'], access_token_ttl: 300 });
  const issued = await issueToken(g, short);
  assert.equal(issued.expires_in, 300);
  const { payload } = await jwtVerify(issued.access_token, (await jwks(g)).keySet, { typ: 'at+jwt' });
  assert.equal((payload.exp as number) - (payload.iat as number), 300);
});

test('the signature covers the token: a changed claim or a changed header does not verify or introspect', async () => {
  const issued = await issueToken(g, c, 'read');
  const [head, body, signature] = issued.access_token.split('.');
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
  const widened = `${head}.${Buffer.from(JSON.stringify({ ...claims, scope: 'read write' })).toString('base64url')}.${signature}`;
  const retyped = `${Buffer.from(JSON.stringify({ ...decodeProtectedHeader(issued.access_token), typ: 'JWT' })).toString('base64url')}.${body}.${signature}`;
  const { keySet } = await jwks(g);
  for (const forged of [widened, retyped]) {
    await assert.rejects(jwtVerify(forged, keySet));
    assert.deepEqual(await introspect(g, rs, forged), { active: false });
  }
});

for (const [alg, kty, crv] of [['EdDSA', 'OKP', 'Ed25519'], ['RS256', 'RSA', undefined]] as const) {
  test(`GATEHOUSE_SIGNING_ALG=${alg}: tokens and keys of that algorithm`, async () => {
    const other = await startGatehouse({ GATEHOUSE_SIGNING_ALG: alg });
    try {
      const client = await createClient(other, { name: `${alg} job`, scopes: ['read'] });
      const issued = await issueToken(other, client);
      const { keys, keySet } = await jwks(other);
      assert.equal(keys.length, 2, 'current and next');
      for (const key of keys) {
        assert.equal(key.alg, alg);
        assert.equal(key.kty, kty);
        assert.equal(key.crv, crv);
        for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(key[secret], undefined, `no private member ${secret}`);
      }
      const { payload, protectedHeader } = await jwtVerify(issued.access_token, keySet, {
        issuer: ISSUER, audience: ISSUER, typ: 'at+jwt', algorithms: [alg],
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope'],
      });
      assert.equal(protectedHeader.alg, alg);
      assert.ok(keys.some((k) => k.kid === protectedHeader.kid));
      assert.equal(payload.client_id, client.client_id);
      assert.equal((await introspect(other, client, issued.access_token)).active, true);
    } finally {
      await other.stop();
    }
  });
}

test('opaque tokens: random, stored only as SHA-256, introspectable, revocable', async () => {
  const oc = await createClient(g, { name: 'opaque job', scopes: ['read', 'write'], token_format: 'opaque' });
  const first = await issueToken(g, oc, 'read');
  const second = await issueToken(g, oc, 'read');
  for (const issued of [first, second]) {
    assert.equal(issued.token_type, 'Bearer');
    assert.equal(issued.expires_in, 3600);
    assert.equal(issued.scope, 'read');
    assert.match(issued.access_token, /^gho_[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
  }
  assert.notEqual(first.access_token, second.access_token);

  // The raw token appears nowhere in the table, in any column; its SHA-256 is the key.
  const { rows } = await sql<{ row: string }>`select row_to_json(t)::text as row from access_tokens t`.execute(g.services.storage.db);
  assert.equal(rows.length, 2);
  for (const { access_token: raw } of [first, second]) {
    assert.ok(rows.every((r) => !r.row.includes(raw) && !r.row.includes(raw.slice(4))), 'the raw token is not stored');
  }
  const stored = await g.services.storage.db.selectFrom('access_tokens').selectAll().where('token_hash', '=', sha256(first.access_token)).executeTakeFirstOrThrow();
  assert.equal(stored.client_id, oc.client_id);
  assert.equal(stored.subject, oc.client_id);
  assert.equal(stored.scope, 'read');
  assert.equal(stored.revoked_at, null);
  assert.ok(Math.abs(stored.expires_at!.getTime() - Date.now() - 3600_000) < 60_000);

  const active = await introspect(g, rs, first.access_token);
  assert.equal(active.active, true);
  assert.equal(active.client_id, oc.client_id);
  assert.equal(active.sub, oc.client_id);
  assert.equal(active.scope, 'read');
  assert.equal(active.iss, ISSUER);
  assert.equal(active.token_type, 'Bearer');
  assert.equal(active.jti, stored.jti);
  assert.equal(active.exp, Math.floor(stored.expires_at!.getTime() / 1000));

  const revoked = await g.app.inject(post('/oauth/revoke', `token=${first.access_token}`, basicAuth(oc)));
  assert.equal(revoked.statusCode, 200, revoked.body);
  assert.deepEqual(await introspect(g, rs, first.access_token), { active: false });
  assert.equal((await introspect(g, rs, second.access_token)).active, true, 'revoking one token leaves the other');
  const after = await g.services.storage.db.selectFrom('access_tokens').select('revoked_at').where('token_hash', '=', sha256(first.access_token)).executeTakeFirstOrThrow();
  assert.ok(after.revoked_at instanceof Date);
});
