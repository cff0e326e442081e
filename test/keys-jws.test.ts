// Access tokens signed on the thread pool must be the tokens the synchronous signer makes:
// same header and payload bytes, a signature any JOSE library accepts, for every algorithm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { jwtVerify } from 'jose';
import { createAsyncSigner, derToJose } from '../src/keys/jws.ts';
import type { SigningAlgorithm } from '../src/config.ts';

function keyPair(alg: SigningAlgorithm) {
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519');
  if (alg === 'RS256') return generateKeyPairSync('rsa', { modulusLength: 2048 });
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

for (const alg of ['ES256', 'EdDSA', 'RS256'] as const) {
  test(`${alg}: the async signer matches fast-jwt and verifies with jose`, async () => {
    const { privateKey, publicKey } = keyPair(alg);
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const sync = createSigner({ key: pem, algorithm: alg, kid: 'k1', header: { alg, typ: 'at+jwt' } });
    const async = createAsyncSigner(privateKey, alg, { typ: 'at+jwt', kid: 'k1' });
    const now = Math.floor(Date.now() / 1000);
    // Enough ES256 signatures that some have an r or s shorter than 32 bytes.
    for (let i = 0; i < (alg === 'ES256' ? 400 : 5); i++) {
      const claims = {
        iss: 'https://issuer.example',
        sub: 'c',
        aud: 'https://issuer.example',
        exp: now + 60,
        iat: now,
        jti: `j${i}`,
        client_id: 'c',
        scope: 'read',
      };
      const token = await async(claims);
      assert.deepEqual(token.split('.').slice(0, 2), sync(claims).split('.').slice(0, 2));
      const { payload, protectedHeader } = await jwtVerify(token, publicKey, { algorithms: [alg] });
      assert.deepEqual(protectedHeader, { alg, typ: 'at+jwt', kid: 'k1' });
      assert.equal(payload.jti, `j${i}`);
    }
  });
}

test('derToJose: strips the sign byte, left-pads short integers, rejects malformed input', () => {
  const r = Buffer.concat([Buffer.from([0x00, 0x80]), Buffer.alloc(31, 0x11)]); // 33 bytes: sign byte + 32
  const s = Buffer.alloc(30, 0x22); // a short s
  const der = Buffer.concat([Buffer.from([0x30, 2 + r.length + 2 + s.length, 0x02, r.length]), r, Buffer.from([0x02, s.length]), s]);
  const raw = derToJose(der, 32);
  assert.equal(raw.length, 64);
  assert.deepEqual(raw.subarray(0, 32), r.subarray(1));
  assert.deepEqual(raw.subarray(32, 34), Buffer.alloc(2));
  assert.deepEqual(raw.subarray(34), s);
  assert.throws(() => derToJose(Buffer.from([0x30, 0x04, 0x05, 0x00, 0x05, 0x00]), 32), /malformed/);
});
