// /console/connectors without a browser: a connector made from a template or from its fields, and
// edited, comes out as the admin API makes it from the same input; refusals are pages naming the
// field; a forged form, an organization member and a signed-out visitor change nothing; the list
// pages by keyset and finds by name, id and vendor; a connector's connections link to their
// organizations, and it cannot be deleted while it has any. In Chromium:
// console-connectors.browser.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, admin, startGatehouse } from './helpers.ts';
import { Browser, csrfOf, tenant } from './interactive-helpers.ts';

const API = '/admin/api/v1';
type View = Record<string, unknown>;

/** A connector as the admin API shows it, without what differs between two equal definitions. */
const definitionPart = ({ connector_id: _id, created_at: _c, updated_at: _u, ...rest }: View) => rest;

async function signedIn(g: Awaited<ReturnType<typeof startGatehouse>>) {
  const browser = new Browser(g, '198.51.100.20');
  const login = await browser.get('/console/login');
  const res = await browser.post('/console/login', { csrf: csrfOf(login.body), method: 'token', token: ADMIN_TOKEN });
  assert.equal(res.statusCode, 303);
  return browser;
}

/** Post a console form: the CSRF token is read from the page at `from`. */
async function submit(browser: Browser, from: string, to: string, form: Record<string, string>) {
  const page = await browser.get(from);
  assert.equal(page.statusCode, 200, page.body.slice(0, 500));
  return browser.post(to, { csrf: csrfOf(page.body), ...form });
}

const idOf = (location: unknown) => /^\/console\/connectors\/([0-9a-f]{24})\?created=1$/.exec(String(location))?.[1];

test('connectors from a template and from the fields, and edited, are what the admin API makes of the same input', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const apiGet = async (id: string) => (await g.app.inject({ method: 'GET', url: `${API}/connectors/${id}`, headers: admin })).json() as View;
  const apiPost = async (payload: object) => {
    const res = await g.app.inject({ method: 'POST', url: `${API}/connectors`, headers: admin, payload });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as View;
  };
  const browser = await signedIn(g);

  // From a template: the operator's OAuth client merged over the template, as POST {template, overrides}.
  const chooser = await browser.get('/console/connectors/templates');
  assert.equal(chooser.statusCode, 200);
  assert.match(chooser.body, /<a href="\/console\/connectors\/templates\/pax8">Pax8<\/a>/);
  const fromTemplate = await submit(browser, '/console/connectors/templates/pax8', '/console/connectors/templates/pax8', {
    name: 'Pax8',
    clientId: 'pax8-client',
    clientSecret: 'pax8-secret-value',
    scopes: '',
  });
  assert.equal(fromTemplate.statusCode, 303, fromTemplate.body);
  const pax8 = idOf(fromTemplate.headers.location)!;
  assert.ok(pax8);
  const twin = await apiPost({ template: 'pax8', overrides: { clientId: 'pax8-client', clientSecret: 'pax8-secret-value' } });
  assert.deepEqual(definitionPart(await apiGet(pax8)), definitionPart(twin));
  assert.equal((await g.services.connectors.connectors.get(pax8)).clientSecret, 'pax8-secret-value');
  const shown = await browser.get(`/console/connectors/${pax8}?created=1`);
  assert.match(shown.body, /Connector created\./);
  assert.ok(!shown.body.includes('pax8-secret-value'), 'the secret is never shown back');

  // A template that needs the operator's client, without one: the field named and marked.
  const noSecret = await submit(browser, '/console/connectors/templates/google-workspace', '/console/connectors/templates/google-workspace', {
    name: 'Google',
    clientId: 'google-client',
    scopes: '',
  });
  assert.equal(noSecret.statusCode, 400);
  assert.match(noSecret.body, /role="alert" id="problem">Client secret: is required/);
  assert.match(noSecret.body, /id="clientSecret"[^>]*aria-invalid="true"/);
  assert.match(noSecret.body, /id="clientId"[^>]*value="google-client"/);

  // From the fields: every field the admin API takes, lists as text, objects as JSON.
  const fields = {
    name: 'Acme RMM',
    authMode: 'oauth2',
    apiBaseUrl: 'https://api.acme-rmm.example/v2/',
    documentationUrl: 'https://docs.acme-rmm.example',
    grantType: 'authorization_code',
    authUrl: 'https://login.acme-rmm.example/authorize',
    tokenUrl: 'https://login.acme-rmm.example/token',
    revocationUrl: 'https://login.acme-rmm.example/revoke',
    clientId: 'acme-client',
    clientSecret: 'acme-secret-1',
    scopes: 'devices.read tickets.write',
    scopeSeparator: 'comma',
    clientAuthentication: 'body',
    pkce: 'false',
    extra: '{"auth": {"params": {"prompt": "consent"}}}',
    refreshMarginSeconds: '120',
    timeoutMs: '15000',
    memberMethods: 'GET',
    rateLimit: '{"requests": 100, "perSeconds": 60}',
  };
  const created = await submit(browser, '/console/connectors/new', '/console/connectors', fields);
  assert.equal(created.statusCode, 303, created.body);
  const acme = idOf(created.headers.location)!;
  const sameByApi = await apiPost({
    name: 'Acme RMM',
    authMode: 'oauth2',
    apiBaseUrl: 'https://api.acme-rmm.example/v2/',
    documentationUrl: 'https://docs.acme-rmm.example',
    grantType: 'authorization_code',
    authUrl: 'https://login.acme-rmm.example/authorize',
    tokenUrl: 'https://login.acme-rmm.example/token',
    revocationUrl: 'https://login.acme-rmm.example/revoke',
    clientId: 'acme-client',
    clientSecret: 'acme-secret-1',
    scopes: ['devices.read', 'tickets.write'],
    scopeSeparator: 'comma',
    clientAuthentication: 'body',
    pkce: false,
    extra: { auth: { params: { prompt: 'consent' } } },
    refreshMarginSeconds: 120,
    timeoutMs: 15000,
    memberMethods: ['GET'],
    rateLimit: { requests: 100, perSeconds: 60 },
  });
  assert.deepEqual(definitionPart(await apiGet(acme)), definitionPart(sameByApi));

  // Edit: only what changed is sent (PATCH semantics); a blank secret keeps the stored one.
  const editPage = await browser.get(`/console/connectors/${acme}`);
  assert.equal(editPage.statusCode, 200);
  assert.match(editPage.body, /id="tokenUrl"[^>]*value="https:\/\/login.acme-rmm.example\/token"/);
  assert.match(editPage.body, /<textarea id="rateLimit"[^>]*>\{\n {2}&#34;requests&#34;: 100/);
  assert.ok(!editPage.body.includes('acme-secret-1'), 'the secret is not in the edit form');
  const formValues = (body: string) => {
    const out: Record<string, string> = {};
    const decode = (s: string) => s.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');
    for (const m of body.matchAll(/<input id="([A-Za-z]+)" name="\1" type="text" value="([^"]*)"/g)) out[m[1]!] = decode(m[2]!);
    for (const m of body.matchAll(/<textarea id="([A-Za-z]+)" name="\1"[^>]*>([^<]*)<\/textarea>/g)) out[m[1]!] = decode(m[2]!);
    for (const m of body.matchAll(/<select id="([A-Za-z]+)" name="\1"[^>]*>(.*?)<\/select>/gs))
      out[m[1]!] = /<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? '';
    return out;
  };
  const current = formValues(editPage.body);
  assert.equal(current.scopes, 'devices.read tickets.write');
  assert.equal(current.pkce, 'false');
  const saved = await browser.post(`/console/connectors/${acme}`, {
    ...current,
    csrf: csrfOf(editPage.body),
    scopes: 'devices.read',
    refreshUrl: 'https://login.acme-rmm.example/refresh',
    timeoutMs: '',
    clientSecret: '',
  });
  assert.equal(saved.statusCode, 303, saved.body);
  assert.equal(saved.headers.location, `/console/connectors/${acme}?saved=1`);
  const patched = await g.app.inject({
    method: 'PATCH',
    url: `${API}/connectors/${sameByApi.connector_id as string}`,
    headers: admin,
    payload: { scopes: ['devices.read'], refreshUrl: 'https://login.acme-rmm.example/refresh', timeoutMs: null },
  });
  assert.equal(patched.statusCode, 200, patched.body);
  assert.deepEqual(definitionPart(await apiGet(acme)), definitionPart(patched.json()));
  assert.equal((await apiGet(acme)).timeoutMs, 30_000, 'an emptied field takes its default again');
  assert.equal((await g.services.connectors.connectors.get(acme)).clientSecret, 'acme-secret-1', 'a blank secret keeps the stored one');
  // Audited as the admin API audits the change, with the operator as actor (newest first).
  const [byApi, byConsole] = await g.services.audit.list({ action: 'connector.updated' });
  assert.equal(byConsole!.actor, 'admin-token');
  assert.equal(byConsole!.details.via, 'console');
  assert.deepEqual([...(byConsole!.details.fields as string[])].sort(), [...(byApi!.details.fields as string[])].sort());

  // A new secret replaces the stored one; the form sent unchanged changes nothing.
  const again = await browser.get(`/console/connectors/${acme}`);
  const rotated = await browser.post(`/console/connectors/${acme}`, { ...formValues(again.body), csrf: csrfOf(again.body), clientSecret: 'acme-secret-2' });
  assert.equal(rotated.statusCode, 303);
  assert.equal((await g.services.connectors.connectors.get(acme)).clientSecret, 'acme-secret-2');
  const unchanged = await browser.get(`/console/connectors/${acme}`);
  const same = await browser.post(`/console/connectors/${acme}`, { ...formValues(unchanged.body), csrf: csrfOf(unchanged.body) });
  assert.equal(same.headers.location, `/console/connectors/${acme}?saved=0`);
  assert.deepEqual(
    (await g.services.audit.list({ action: 'connector.created' })).map((e) => [e.actor, e.details.via ?? null]),
    [
      ['admin', null],
      ['admin-token', 'console'],
      ['admin', null],
      ['admin-token', 'console'],
    ],
  );
});

test('refused input is a 4xx page naming the field, never JSON; a forged form and strangers change nothing', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const count = async () => (await g.services.connectors.connectors.list()).length;
  const browser = await signedIn(g);
  const base = { name: 'Broken', apiBaseUrl: 'https://api.example.com', grantType: 'client_credentials', clientId: 'c', clientSecret: 's' };
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ ...base, tokenUrl: 'not a url' }, 'tokenUrl', /Token URL: must be an absolute URL, got &#34;not a url&#34;/],
    [{ ...base, tokenUrl: 'https://x.example/token', refreshMarginSeconds: 'soon' }, 'refreshMarginSeconds', /Refresh margin \(seconds\): a whole number/],
    [{ ...base, tokenUrl: 'https://x.example/token', rateLimit: '{"requests": 10' }, 'rateLimit', /Rate limit: not valid JSON/],
    [{ ...base, tokenUrl: 'https://x.example/token', rateLimit: '{"requests": 0, "perSeconds": 1}' }, 'rateLimit', /Rate limit \(requests\): must be &#62;= 1/],
    [{ ...base, tokenUrl: 'https://x.example/token', scopes: 'ok "quoted"' }, 'scopes', /Scopes \(1\): must match pattern/],
    [{ ...base, tokenUrl: 'https://x.example/token', authMode: 'api_key' }, 'grantType', /Grant type: applies only to authMode oauth2, not api_key/],
    [{ ...base, tokenUrl: 'https://x.example/token', timeoutMs: '5' }, 'timeoutMs', /Timeout \(milliseconds\): must be &#62;= 100/],
  ];
  for (const [form, field, message] of cases) {
    const res = await submit(browser, '/console/connectors/new', '/console/connectors', form);
    assert.equal(res.statusCode, 400, `${field}: ${res.body.slice(0, 200)}`);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, message, field);
    assert.match(res.body, new RegExp(`id="${field}"[^>]*aria-invalid="true"`), field);
    // What was typed is kept, the secret excepted.
    assert.match(res.body, /id="name"[^>]*value="Broken"/);
    assert.ok(!res.body.includes('name="clientSecret" type="password" value'), field);
  }
  // An unknown template is a 400 page in words.
  const unknown = await browser.get('/console/connectors/templates/no-such-vendor');
  assert.equal(unknown.statusCode, 400);
  assert.match(unknown.body, /is not a connector template/);
  assert.equal(await count(), 0);

  // Edit refusals name the field too, and the stored definition stays as it was.
  const ok = await submit(browser, '/console/connectors/new', '/console/connectors', { ...base, tokenUrl: 'https://x.example/token' });
  const id = idOf(ok.headers.location)!;
  const before = await g.services.connectors.connectors.get(id);
  const bad = await submit(browser, `/console/connectors/${id}`, `/console/connectors/${id}`, { ...base, clientSecret: '', tokenUrl: 'ftp://x.example/token' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /Token URL: must use https \(or http\), got &#34;ftp:&#34;/);
  assert.match(bad.body, /id="tokenUrl"[^>]*aria-invalid="true"/);
  assert.deepEqual((await g.services.connectors.connectors.get(id)).definition, before.definition);

  // A forged form (no valid CSRF token) is refused and creates or changes nothing.
  const forged = await browser.post('/console/connectors', { csrf: 'forged', ...base, name: 'Forged', tokenUrl: 'https://x.example/token' });
  assert.equal(forged.statusCode, 403);
  const forgedEdit = await browser.post(`/console/connectors/${id}`, { csrf: 'forged', ...base, name: 'Renamed' });
  assert.equal(forgedEdit.statusCode, 403);
  const forgedDelete = await browser.post(`/console/connectors/${id}/delete`, { csrf: 'forged', confirm: 'yes' });
  assert.equal(forgedDelete.statusCode, 403);
  assert.equal(await count(), 1);
  assert.equal((await g.services.connectors.connectors.get(id)).definition.name, 'Broken');

  // A signed-out visitor and an organization's member get the console's 401 everywhere here.
  const owner = await tenant(g);
  const member = new Browser(g);
  assert.equal((await member.login(owner.email, owner.password)).statusCode, 303);
  for (const visitor of [new Browser(g), member]) {
    for (const url of [
      '/console/connectors',
      '/console/connectors/new',
      '/console/connectors/templates',
      '/console/connectors/templates/pax8',
      `/console/connectors/${id}`,
      `/console/connectors/${id}/delete`,
    ]) {
      const res = await visitor.get(url);
      assert.equal(res.statusCode, 401, url);
      assert.match(res.body, /Sign in to the console/);
    }
    for (const url of ['/console/connectors', '/console/connectors/templates/pax8', `/console/connectors/${id}`, `/console/connectors/${id}/delete`]) {
      assert.equal((await visitor.post(url, { csrf: 'x', ...base, confirm: 'yes' })).statusCode, 401, url);
    }
  }
  assert.equal(await count(), 1);
});

test('the connector list pages and searches; a connector shows its connections and is deleted only without them', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const { connectors } = g.services.connectors;
  for (let i = 0; i < 52; i++) {
    await connectors.create({
      name: `Tool ${String(i).padStart(2, '0')}`,
      authMode: 'api_key',
      apiBaseUrl: 'https://api.example.com',
      proxyHeaders: { 'X-Key': 'k' },
    });
  }
  const atera = await connectors.create(g.services.connectors.catalogue.definition('atera'));
  const browser = await signedIn(g);
  const names = (body: string) => [...body.matchAll(/<tr><td><a href="\/console\/connectors\/[0-9a-f]{24}">([^<]+)<\/a>/g)].map((m) => m[1]);
  const next = (body: string) => /<a href="([^"]+)" rel="next">/.exec(body)?.[1]?.replace(/&#38;/g, '&');

  const first = await browser.get('/console/connectors');
  assert.equal(first.statusCode, 200);
  assert.deepEqual(names(first.body), ['Atera', ...Array.from({ length: 49 }, (_, i) => `Tool ${String(i).padStart(2, '0')}`)]);
  const second = await browser.get(next(first.body)!);
  assert.deepEqual(names(second.body), ['Tool 49', 'Tool 50', 'Tool 51']);
  assert.equal(next(second.body), undefined);
  assert.deepEqual(names((await browser.get('/console/connectors?search=tool%205')).body), ['Tool 50', 'Tool 51']);
  assert.deepEqual(names((await browser.get(`/console/connectors?search=${atera.id}`)).body), ['Atera']);

  // Connected organizations: found by their vendor's id, listed with status and links.
  const one = await tenant(g, 'First Vendor');
  const two = await tenant(g, 'Second Vendor');
  const first2 = await g.services.connectors.connections.save(atera, one.organizationId, undefined, {
    settings: { config: {}, credentials: { apiKey: 'atera-key-of-the-first' } },
  });
  await g.services.connectors.connections.save(atera, two.organizationId, undefined, {
    settings: { config: {}, credentials: { apiKey: 'atera-key-of-the-second' } },
  });
  const vendorOf = async (orgId: string) => (await g.services.organizations.get(orgId)).vendor_id;
  assert.deepEqual(names((await browser.get(`/console/connectors?search=${await vendorOf(one.organizationId)}`)).body), ['Atera']);

  const detail = await browser.get(`/console/connectors/${atera.id}`);
  assert.equal(detail.statusCode, 200);
  const org = await g.services.organizations.get(one.organizationId);
  assert.match(
    detail.body,
    new RegExp(
      `<a href="/console/organizations/${org.id}">${org.name}</a> · <a href="/console/organizations/${org.id}/connections#connection-${first2.connection.id}">its connections</a>`,
    ),
  );
  assert.match(detail.body, /<td>active<\/td><td>never<\/td>/);
  assert.equal([...detail.body.matchAll(/its connections<\/a>/g)].length, 2);
  assert.ok(!detail.body.includes('atera-key-of-the'), 'credentials are not shown');

  // With connections the console says what stands in the way and offers no delete button.
  const blocked = await browser.get(`/console/connectors/${atera.id}/delete`);
  assert.equal(blocked.statusCode, 409);
  assert.match(blocked.body, /Atera still has connections/);
  assert.ok(!blocked.body.includes('Yes, delete the connector'));
  const forced = await browser.post(`/console/connectors/${atera.id}/delete`, { csrf: csrfOf(detail.body), confirm: 'yes' });
  assert.equal(forced.statusCode, 409);
  assert.match(forced.body, /still has connections: disconnect them first/);

  await g.services.connectors.disconnect(first2.connection.id);
  const [left] = await g.services.connectors.connections.list({ connectorId: atera.id });
  await g.services.connectors.disconnect(left!.id);
  const confirm = await browser.get(`/console/connectors/${atera.id}/delete`);
  assert.equal(confirm.statusCode, 200);
  assert.match(confirm.body, /no organization can connect through it any more/);
  const deleted = await browser.post(`/console/connectors/${atera.id}/delete`, { csrf: csrfOf(confirm.body), confirm: 'yes' });
  assert.equal(deleted.statusCode, 303);
  assert.equal(deleted.headers.location, '/console/connectors');
  assert.equal((await g.app.inject({ method: 'GET', url: `${API}/connectors/${atera.id}`, headers: admin })).statusCode, 404);
  const [event] = await g.services.audit.list({ action: 'connector.deleted' });
  assert.equal(event!.actor, 'admin-token');
  assert.equal(event!.details.connector_id, atera.id);
  assert.equal((await browser.get(`/console/connectors/${atera.id}`)).statusCode, 404);
});
