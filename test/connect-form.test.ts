// The connect form's server side (the browser side is connect-form.browser.test.ts): the CSRF
// token is demanded, members are refused, the form's events come from the service as for the
// admin API (created, updated, verification_failed), an unreachable verify call stores the
// connection unverified with the reason in words, and no secret reaches a page or the logs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { randomBytes, randomUUID } from 'node:crypto';
import { buildApp, type Gatehouse } from '../src/app.ts';
import { createLogger } from '../src/logger.ts';
import { admin, createTestDatabase, testConfig } from './helpers.ts';
import { LOOPBACK, createConnector } from './connector-vendors.ts';
import { Browser, PASSWORD, csrfOf, tenant, type Tenant } from './interactive-helpers.ts';
import { startMock, type MockVendor } from './msp-vendors.ts';

let g: Gatehouse;
let drop: () => Promise<void>;
let log = '';
let vendor: MockVendor;
let owner: Tenant;
let connectorId: string;
let vendorUp = true;
const clientId = randomUUID();
const publicKey = `pub-${randomBytes(8).toString('hex')}`;
const privateKey = `priv-${randomBytes(8).toString('hex')}`;
const good = `Basic ${Buffer.from(`acme+${publicKey}:${privateKey}`).toString('base64')}`;

before(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  const stream = new Writable({
    write(chunk, _encoding, done) {
      log += chunk.toString();
      done();
    },
  });
  g = await buildApp(testConfig({ ...LOOPBACK, LOG_LEVEL: 'debug' }, database.url), { logger: createLogger('debug', stream) });
  await g.app.ready();
  vendor = await startMock((req) => {
    if (!vendorUp) return [503, { message: 'down for maintenance' }];
    if (req.headers.authorization !== good || req.headers.clientid !== clientId) return undefined;
    return [200, { path: req.url }];
  });
  connectorId = await createConnector(g, {
    name: 'ConnectWise PSA',
    authMode: 'basic',
    apiBaseUrl: `http://\${connectionConfig.site}:${vendor.port}/v4_6_release/apis/3.0`,
    connectionConfig: [
      { name: 'site', title: 'Site', type: 'string', format: 'hostname' },
      { name: 'companyId', title: 'Company ID', type: 'string', pattern: '^[A-Za-z0-9_]+$' },
      { name: 'clientId', title: 'Client ID', type: 'string', format: 'uuid' },
      { name: 'sandbox', title: 'Sandbox', type: 'boolean', default: false },
      { name: 'pageSize', title: 'Page size', type: 'number', default: 25 },
    ],
    credentials: [
      { name: 'publicKey', title: 'Public key', secret: false },
      { name: 'privateKey', title: 'Private key' },
    ],
    basic: { username: '${connectionConfig.companyId}+${credentials.publicKey}', password: '${credentials.privateKey}' },
    proxyHeaders: { clientId: '${connectionConfig.clientId}' },
    verify: { method: 'GET', path: '/system/info' },
  });
  owner = await tenant(g);
});
after(async () => {
  await vendor.close();
  await g.close();
  await drop();
});

const form = (overrides: Record<string, string> = {}) => ({
  'config.site': '127.0.0.1',
  'config.companyId': 'acme',
  'config.clientId': clientId,
  'config.pageSize': '50',
  'credentials.publicKey': publicKey,
  'credentials.privateKey': privateKey,
  ...overrides,
});
const path = () => `/connectors/${connectorId}/connect`;
const rows = () => g.services.storage.db.selectFrom('connections').selectAll().where('connector_id', '=', connectorId).execute();

async function signedIn(email: string, password: string): Promise<{ browser: Browser; csrf: string }> {
  const browser = new Browser(g);
  const res = await browser.login(email, password);
  assert.equal(res.statusCode, 303, res.body);
  const dashboard = await browser.get('/dashboard');
  return { browser, csrf: csrfOf(dashboard.body) };
}

async function events(type: string) {
  const list = await g.services.storage.db.selectFrom('outbox_events').select(['payload']).where('type', '=', type).execute();
  return list.map((r) => r.payload as { data: Record<string, unknown> }).filter((p) => p.data.connectorId === connectorId);
}

test('the form is refused without its CSRF token, or with another browser’s', async () => {
  const { browser } = await signedIn(owner.email, owner.password);
  const missing = await browser.post(path(), form());
  assert.equal(missing.statusCode, 400, missing.body);
  const other = await signedIn(owner.email, owner.password);
  const forged = await browser.post(path(), { ...form(), csrf: other.csrf });
  assert.equal(forged.statusCode, 403, forged.body);
  assert.match(forged.body, /did not come from this site/);
  assert.deepEqual(await rows(), []);
  assert.equal(vendor.seen.length, 0, 'nothing was sent to the vendor');
});

test('a member sees no form and is refused when posting one', async () => {
  const added = await g.app.inject({
    method: 'POST',
    url: `/admin/api/v1/organizations/${owner.organizationId}/users`,
    headers: admin,
    payload: { email: 'member@team.example', first_name: 'M', last_name: 'Ember', role: 'member' },
  });
  assert.equal(added.statusCode, 201, added.body);
  await g.services.accounts.setPassword(added.json().user_id, PASSWORD);
  const browser = new Browser(g);
  await browser.login('member@team.example', PASSWORD);
  const dashboard = await browser.get('/dashboard');
  assert.equal(dashboard.statusCode, 200);
  assert.ok(!dashboard.body.includes(`action="${path()}"`), 'no connect form for a member');
  const page = await browser.get(path());
  assert.equal(page.statusCode, 403);
  // A token of the member's own dashboard, so only the role refuses it.
  const csrf = csrfOf(dashboard.body);
  const posted = await browser.post(path(), { ...form(), csrf });
  assert.equal(posted.statusCode, 403, posted.body);
  assert.match(posted.body, /Only organization owners and admins connect applications/);
  assert.deepEqual(await rows(), []);
});

test('refused, connected, updated and unverified through the form, with the service’s events; no secret on a page or in the logs', async () => {
  const { browser, csrf } = await signedIn(owner.email, owner.password);
  const dashboard = await browser.get('/dashboard');
  assert.match(dashboard.body, /name="config\.sandbox" type="checkbox" value="true"/);
  assert.match(dashboard.body, /name="config\.pageSize" type="number" step="any" value="25"/);
  assert.match(dashboard.body, /name="credentials\.privateKey" type="password" autocomplete="new-password"/);

  const wrong = `wrong-${randomBytes(8).toString('hex')}`;
  const refused = await browser.post(path(), { ...form({ 'credentials.privateKey': wrong }), csrf });
  assert.equal(refused.statusCode, 400);
  assert.match(refused.headers['content-type'] as string, /text\/html/);
  assert.match(refused.body, /the vendor refused these credentials: HTTP 401/);
  assert.ok(!refused.body.includes(wrong));
  assert.deepEqual(await rows(), []);

  const unknown = await browser.post(path(), { ...form(), colour: 'red', csrf });
  assert.equal(unknown.statusCode, 400);
  assert.match(unknown.body, /body\/colour is not an allowed field/);

  const connected = await browser.post(path(), { ...form(), csrf });
  assert.equal(connected.statusCode, 201, connected.body);
  assert.match(connected.body, /Connected and verified/);
  const [row] = await rows();
  assert.equal(row.status, 'active');
  assert.deepEqual(row.config, { site: '127.0.0.1', companyId: 'acme', clientId, sandbox: false, pageSize: 50 });
  assert.equal((await events('connection.created')).length, 1);

  // The dashboard now offers to update it: settings shown, no credential.
  const after = await browser.get('/dashboard');
  assert.match(after.body, /Update ConnectWise PSA/);
  assert.ok(!after.body.includes(privateKey) && !after.body.includes(publicKey));

  // New settings with the credentials left blank: updated, the credentials kept, re-verified.
  const updated = await browser.post(path(), { ...form({ 'credentials.publicKey': '', 'credentials.privateKey': '' }), 'config.sandbox': 'true', csrf });
  assert.equal(updated.statusCode, 200, updated.body);
  assert.match(updated.body, /Connected and verified/);
  const [changed] = await rows();
  assert.equal(changed.id, row.id);
  assert.equal(changed.config.sandbox, true);
  assert.deepEqual(
    (await events('connection.updated')).map((e) => e.data.changed),
    [['config']],
  );

  // A new site with the credentials left blank would send the stored ones to another host: refused,
  // the site field highlighted, nothing sent there, nothing changed.
  const seen = vendor.seen.length;
  const moved = await browser.post(path(), { ...form({ 'config.site': '127.0.0.2', 'credentials.publicKey': '', 'credentials.privateKey': '' }), csrf });
  assert.equal(moved.statusCode, 400, moved.body);
  assert.match(moved.body, /changing site changes where the credentials are sent: enter the credentials again/);
  assert.match(moved.body, /id="connect-[^"]+-config-site"[^>]* class="invalid" aria-invalid="true"/);
  assert.equal(vendor.seen.length, seen, 'nothing was sent anywhere');
  assert.equal((await rows())[0].config.site, '127.0.0.1');

  // The vendor is down: stored, but unverified, and the page says why.
  vendorUp = false;
  const down = await browser.post(path(), { ...form(), csrf });
  vendorUp = true;
  assert.equal(down.statusCode, 200, down.body);
  assert.match(down.body, /Connected, not verified/);
  assert.match(down.body, /the verification call answered HTTP 503/);
  assert.equal((await rows())[0].status, 'unverified');
  const failed = await events('connection.verification_failed');
  assert.equal(failed.length, 1);
  assert.equal(failed[0].data.vendorStatus, 503);

  for (const page of [refused.body, connected.body, updated.body, down.body]) assert.ok(!page.includes(privateKey), 'no secret on a page');
  assert.ok(log.length > 0);
  for (const secret of [privateKey, wrong]) assert.ok(!log.includes(secret), 'no secret in the logs');
});

test('an OAuth connector asks for its settings: the page allows the vendor in form-action, or links on when the host comes from the form', async () => {
  const { browser, csrf } = await signedIn(owner.email, owner.password);
  const oauth = (authUrl: string) =>
    createConnector(g, {
      name: `Directory ${randomBytes(3).toString('hex')}`,
      grantType: 'authorization_code',
      authUrl,
      tokenUrl: `${vendor.url}/token`,
      clientId: 'gatehouse',
      clientSecret: 'vendor-secret',
      apiBaseUrl: `${vendor.url}/api`,
      connectionConfig: [{ name: 'host', title: 'Host', type: 'string', enum: ['127.0.0.1'] }],
    });
  const fixed = await oauth(`${vendor.url}/authorize?h=\${connectionConfig.host}`);
  const page = await browser.get(`/connectors/${fixed}/connect`);
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-security-policy'] as string, new RegExp(`form-action 'self' ${vendor.url}`));
  const went = await browser.post(`/connectors/${fixed}/connect`, { 'config.host': '127.0.0.1', csrf });
  assert.equal(went.statusCode, 303, went.body);
  assert.ok((went.headers.location as string).startsWith(`${vendor.url}/authorize?h=127.0.0.1&`));
  const bad = await browser.post(`/connectors/${fixed}/connect`, { 'config.host': '10.0.0.1', csrf });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.headers['content-type'] as string, /text\/html/);
  assert.match(bad.body, /aria-invalid="true"/);

  const perSite = await oauth(`http://\${connectionConfig.host}:${vendor.port}/authorize`);
  const linked = await browser.post(`/connectors/${perSite}/connect`, { 'config.host': '127.0.0.1', csrf });
  assert.equal(linked.statusCode, 200, linked.body);
  assert.match(linked.body, new RegExp(`<a class="continue" href="http://127\\.0\\.0\\.1:${vendor.port}/authorize\\?`));
});
