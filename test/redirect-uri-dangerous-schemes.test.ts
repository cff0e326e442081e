// Reproduces: a client could register javascript:, data: or plain-http redirect URIs on any host,
// so codes and tokens could be sent to script or over clear text. Redirect URIs must be https,
// http on loopback (RFC 8252 §7.3), or a private-use scheme for native apps (RFC 8252 §7.1).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { admin, startGatehouse, type TestGatehouse } from './helpers.ts';

let g: TestGatehouse;
before(async () => {
  g = await startGatehouse();
});
after(async () => {
  await g.stop();
});

const create = (redirect_uris: string[]) =>
  g.app.inject({
    method: 'POST',
    url: '/admin/api/v1/clients',
    headers: admin,
    payload: { name: 'app', type: 'public', grant_types: ['authorization_code'], redirect_uris },
  });
const count = async () =>
  (
    await g.services.storage.db
      .selectFrom('clients')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
  ).n;

test('javascript:, data:, vbscript:, file: and other browser schemes, and http to a non-loopback host, are refused with 400 naming the URI; nothing is stored', async () => {
  const before = await count();
  for (const uri of [
    'javascript:alert(document.domain)',
    'JavaScript://example.com/%0aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'blob:https://app.example/1',
    'about:blank',
    'myapp:/cb',
    'http://app.example/cb',
    'http://localhost.evil.example/cb',
    'http://127.0.0.1.nip.io/cb',
    'http://10.0.0.1/cb',
  ]) {
    const res = await create(['https://app.example/cb', uri]);
    assert.equal(res.statusCode, 400, `${uri}: ${res.body}`);
    assert.match(res.json().error.message, /^redirect_uris: /, uri);
    assert.ok(res.json().error.message.includes(JSON.stringify(uri)), `the message names ${uri}`);
  }
  assert.equal(await count(), before);
  // An update cannot bring one in either.
  const ok = await create(['https://app.example/cb']);
  const patched = await g.app.inject({
    method: 'PATCH',
    url: `/admin/api/v1/clients/${ok.json().client_id}`,
    headers: admin,
    payload: { redirect_uris: ['javascript:alert(1)'] },
  });
  assert.equal(patched.statusCode, 400);
  assert.deepEqual((await g.services.clients.get(ok.json().client_id)).redirect_uris, ['https://app.example/cb']);
});

test('https anywhere, http on loopback (127.0.0.0/8, [::1], localhost) and reverse-domain private-use schemes are accepted', async () => {
  const uris = [
    'https://app.example/cb',
    'http://127.0.0.1:8123/cb',
    'http://127.1.2.3/cb',
    'http://[::1]:9000/cb',
    'http://localhost:8080/cb',
    'com.example.app:/oauth2redirect',
    'com.example.app:/cb?x=1',
  ];
  const res = await create(uris);
  assert.equal(res.statusCode, 201, res.body);
  assert.deepEqual(res.json().redirect_uris, uris);
});
