// The template catalogue: every shipped template is a valid definition (with an OAuth client's id
// and secret as overrides where it needs them), the admin API lists them and creates connectors
// from them, and every template, pointed at a loopback mock of its vendor's style, makes one
// proxied call the mock accepts: the mock refuses any other way of authenticating.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { admin, startGatehouse, type TestGatehouse } from './helpers.ts';
import { LOOPBACK, bindingCookie, connectLink, local, organization, proxy } from './connector-vendors.ts';
import AjvCompiler from '@fastify/ajv-compiler';
import { Catalogue, loadTemplates, type ConnectorTemplate } from '../src/connectors/catalogue.ts';
import { checkDefinition, definitionInputSchema } from '../src/connectors/definition.ts';

const MSP_TOOLS = [
  'connectwise-psa',
  'connectwise-rmm',
  'autotask',
  'halopsa',
  'ninjaone',
  'datto-rmm',
  'n-central',
  'it-glue',
  'sentinelone',
  'huntress',
  'pax8',
  'microsoft-graph',
  'google-workspace',
];
const OAUTH_CLIENT = { clientId: 'operator-client', clientSecret: 'operator secret' };
const templates = loadTemplates();

let g: TestGatehouse;
before(async () => {
  g = await startGatehouse(LOOPBACK);
});
after(async () => {
  await g.stop();
  await mock?.close();
});

const post = (payload: unknown) => g.app.inject({ method: 'POST', url: '/admin/api/v1/connectors', headers: admin, payload: payload as object });
const oauth = (t: ConnectorTemplate) => (t.definition.authMode ?? 'oauth2') === 'oauth2';

test('the catalogue holds the MSP staples and more, each with documentation, an auth mode and quirks', () => {
  assert.ok(templates.size >= 13, `${templates.size} templates`);
  for (const name of MSP_TOOLS) assert.ok(templates.has(name), name);
  for (const t of templates.values()) {
    assert.match(t.definition.documentationUrl ?? '', /^https:\/\//, t.name);
    assert.ok(t.definition.authMode, `${t.name} says its auth mode`);
    assert.ok(t.quirks.length > 0, `${t.name} names its quirks`);
    assert.ok(t.title.length > 0);
  }
});

test('every template is a valid definition: the schema the create route checks, then the rules across fields', () => {
  const validate = AjvCompiler()({}, { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: false } })({
    schema: definitionInputSchema,
    method: 'POST',
    url: '/connectors',
    httpPart: 'body',
  } as never) as ((data: unknown) => boolean) & { errors?: unknown };
  const catalogue = new Catalogue(templates);
  for (const t of templates.values()) {
    const definition = catalogue.definition(t.name, oauth(t) ? OAUTH_CLIENT : {});
    assert.ok(validate(definition), `${t.name}: ${JSON.stringify(validate.errors)}`);
    assert.doesNotThrow(() => checkDefinition(definition), t.name);
  }
});

test('every template validates against the definition schema (POST /connectors {template, overrides})', async () => {
  for (const t of templates.values()) {
    const res = await post({ template: t.name, overrides: oauth(t) ? OAUTH_CLIENT : {} });
    assert.equal(res.statusCode, 201, `${t.name}: ${res.body}`);
    const body = res.json();
    assert.equal(body.name, t.definition.name);
    assert.equal(body.authMode, t.definition.authMode);
    assert.equal(body.documentationUrl, t.definition.documentationUrl);
    assert.equal(body.clientSecret, undefined, 'the secret is never shown');
  }
});

test('overrides merge over the template; a bad override, an unknown template or a stray field is a 400 naming it', async () => {
  const ok = await post({ template: 'pax8', overrides: { ...OAUTH_CLIENT, name: 'Pax8 (EU desk)', rateLimit: { requests: 30, perSeconds: 60 } } });
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal(ok.json().name, 'Pax8 (EU desk)');
  assert.deepEqual(ok.json().rateLimit, { requests: 30, perSeconds: 60 });
  assert.equal(ok.json().clientId, OAUTH_CLIENT.clientId);
  assert.equal(ok.json().apiBaseUrl, 'https://api.pax8.com', 'the rest is the template');
  assert.deepEqual(ok.json().extra.token.params, { audience: 'https://api.pax8.com' });

  const noClient = await post({ template: 'pax8' });
  assert.equal(noClient.statusCode, 400);
  assert.match(noClient.json().error.message, /clientId|clientSecret/);
  const unknown = await post({ template: 'kaseya-vsa', overrides: {} });
  assert.equal(unknown.statusCode, 400);
  assert.match(unknown.json().error.message, /"kaseya-vsa" is not a connector template/);
  const stray = await post({ template: 'huntress', name: 'x' });
  assert.equal(stray.statusCode, 400);
  assert.match(stray.json().error.message, /body\/name .*put it in overrides/);
  const badOverride = await post({ template: 'huntress', overrides: { rateLimit: { requests: 0, perSeconds: 60 } } });
  assert.equal(badOverride.statusCode, 400);
  assert.match(badOverride.json().error.message, /rateLimit/);
  const notObject = await post({ template: 'huntress', overrides: 'x' });
  assert.equal(notObject.statusCode, 400);
  assert.match(notObject.json().error.message, /overrides/);
});

test('GET /admin/api/v1/connector-templates lists name, title, auth mode and documentation URL; admin token required', async () => {
  const res = await g.app.inject({ method: 'GET', url: '/admin/api/v1/connector-templates', headers: admin });
  assert.equal(res.statusCode, 200, res.body);
  const listed = res.json().templates as { name: string; title: string; authMode: string; documentationUrl: string; quirks: string[] }[];
  assert.deepEqual(
    listed.map((t) => t.name),
    [...templates.keys()],
  );
  const psa = listed.find((t) => t.name === 'connectwise-psa')!;
  assert.equal(psa.title, 'ConnectWise PSA');
  assert.equal(psa.authMode, 'basic');
  assert.match(psa.documentationUrl, /^https:\/\/developer\.connectwise\.com\//);
  assert.equal(listed.find((t) => t.name === 'microsoft-graph')!.authMode, 'oauth2');
  assert.equal(listed.find((t) => t.name === 'n-central')!.authMode, 'two_step');
  const anonymous = await g.app.inject({ method: 'GET', url: '/admin/api/v1/connector-templates' });
  assert.equal(anonymous.statusCode, 401);
});

// A vendor of one template's style: it accepts exactly the headers (and, for token exchanges,
// exactly the token request) that style calls for, and refuses anything else with 401.
interface Style {
  config?: Record<string, unknown>;
  credentials?: Record<string, string>;
  /** The headers every API call must carry, exactly; `authorization` is absent unless listed. */
  api: (token: string) => Record<string, string>;
  /** For token exchanges: the request the token endpoint accepts, and the answer it gives. */
  token?: { headers?: Record<string, string>; body: Record<string, string> | null; json?: boolean; answer: (token: string) => unknown };
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const standard = (token: string) => ({ access_token: token, token_type: 'Bearer', expires_in: 3600 });
const CW_CLIENT = '8a3f2c1e-0d4b-4e5f-9a7b-6c5d4e3f2a1b';
// RFC 6749 §2.3.1: the client id and secret are form-encoded before they are joined.
const CLIENT_BASIC = { authorization: basic('operator-client', 'operator+secret') };
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhcGkifQ.c2lnbmF0dXJl';

const STYLES: Record<string, Style> = {
  'connectwise-psa': {
    config: { hostname: 'api-eu.myconnectwise.net', companyId: 'acme', clientId: CW_CLIENT, apiVersion: '2023.1' },
    credentials: { publicKey: 'pubKEY', privateKey: 'priv:KEY' },
    api: () => ({ authorization: basic('acme+pubKEY', 'priv:KEY'), clientid: CW_CLIENT, accept: 'application/vnd.connectwise.com+json; version=2023.1' }),
  },
  'connectwise-rmm': {
    config: { platform: 'euplatform.connectwise.com' },
    credentials: { clientId: 'rmm-client', clientSecret: 'rmm-secret' },
    token: { json: true, body: { grant_type: 'client_credentials', client_id: 'rmm-client', client_secret: 'rmm-secret' }, answer: standard },
    api: bearer,
  },
  autotask: {
    config: { zone: 'webservices3', username: 'api.user@example.com' },
    credentials: { integrationCode: 'ASHJKLFDKAHKASLFH85LSA905H', secret: 'S3cr#t$~' },
    api: () => ({ apiintegrationcode: 'ASHJKLFDKAHKASLFH85LSA905H', username: 'api.user@example.com', secret: 'S3cr#t$~' }),
  },
  halopsa: {
    config: { hostname: 'msp.halopsa.com' },
    credentials: { clientId: 'halo-client', clientSecret: 'halo-secret' },
    token: { body: { grant_type: 'client_credentials', client_id: 'halo-client', client_secret: 'halo-secret', scope: 'all' }, answer: standard },
    api: bearer,
  },
  ninjaone: {
    config: { instance: 'eu.ninjarmm.com' },
    credentials: { clientId: 'ninja-client', clientSecret: 'ninja-secret' },
    token: {
      body: { grant_type: 'client_credentials', client_id: 'ninja-client', client_secret: 'ninja-secret', scope: 'monitoring management' },
      answer: standard,
    },
    api: bearer,
  },
  'datto-rmm': {
    config: { platform: 'merlot' },
    credentials: { apiKey: 'DATTOKEY', apiSecret: 'DATTOSECRET' },
    token: {
      headers: { authorization: basic('public-client', 'public') },
      body: { grant_type: 'password', username: 'DATTOKEY', password: 'DATTOSECRET' },
      answer: standard,
    },
    api: bearer,
  },
  'n-central': {
    config: { server: 'ncentral.example.com' },
    credentials: { userApiToken: JWT },
    token: {
      headers: { authorization: `Bearer ${JWT}` },
      body: null,
      answer: (token) => ({ tokens: { access: { token, type: 'Bearer', expirySeconds: 3600 } } }),
    },
    api: bearer,
  },
  'it-glue': {
    config: { region: 'api.eu' },
    credentials: { apiKey: 'ITG.0123456789abcdef' },
    api: () => ({ 'x-api-key': 'ITG.0123456789abcdef', accept: 'application/vnd.api+json' }),
  },
  sentinelone: {
    config: { consoleHost: 'usea1-acme.sentinelone.net' },
    credentials: { apiToken: 's1-token' },
    api: () => ({ authorization: 'ApiToken s1-token', accept: 'application/json' }),
  },
  huntress: { credentials: { apiKey: 'hk_abc', apiSecret: 'hs_def' }, api: () => ({ authorization: basic('hk_abc', 'hs_def') }) },
  auvik: {
    config: { region: 'eu1' },
    credentials: { email: 'noc@example.com', apiKey: 'aJ7EjSEDD+7+JqlQ1NtUXyY/3/05GG==' },
    api: () => ({ authorization: basic('noc@example.com', 'aJ7EjSEDD+7+JqlQ1NtUXyY/3/05GG==') }),
  },
  atera: { credentials: { apiKey: 'atera-key' }, api: () => ({ 'x-api-key': 'atera-key', accept: 'application/json' }) },
  syncro: { config: { subdomain: 'acme' }, credentials: { apiToken: 'syncro-token' }, api: () => ({ authorization: 'Bearer syncro-token' }) },
  pax8: {
    token: {
      json: true,
      body: { grant_type: 'client_credentials', client_id: OAUTH_CLIENT.clientId, client_secret: OAUTH_CLIENT.clientSecret, audience: 'https://api.pax8.com' },
      answer: standard,
    },
    api: bearer,
  },
  'microsoft-graph': { token: { headers: CLIENT_BASIC, body: null, answer: (t) => ({ ...standard(t), refresh_token: `rt-${t}` }) }, api: bearer },
  'google-workspace': { token: { headers: CLIENT_BASIC, body: null, answer: (t) => ({ ...standard(t), refresh_token: `rt-${t}` }) }, api: bearer },
};

interface Mock {
  url: string;
  style: Style | undefined;
  refusals: string[];
  apiCalls: number;
  close(): Promise<void>;
}
let mock: Mock | undefined;

function mismatch(expected: Record<string, string>, headers: http.IncomingHttpHeaders, also: string[]): string | undefined {
  for (const [name, value] of Object.entries(expected)) if (headers[name] !== value) return `${name}: ${String(headers[name])}`;
  for (const name of also) if (!(name in expected) && headers[name] !== undefined) return `unexpected ${name}`;
  return undefined;
}

const sameFields = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);

async function startMock(): Promise<Mock> {
  const issued = new Set<string>();
  const state: Mock = { url: '', style: undefined, refusals: [], apiCalls: 0, close: async () => void server.close() };
  const refuse = (res: http.ServerResponse, why: string) => {
    state.refusals.push(why);
    res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: why }));
  };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk);
    const raw = Buffer.concat(chunks).toString();
    const url = new URL(req.url ?? '/', 'http://mock');
    const style = state.style!;
    if (url.pathname === '/authorize') {
      const back = new URL(url.searchParams.get('redirect_uri') ?? 'http://invalid/');
      back.searchParams.set('code', `code-${randomBytes(4).toString('hex')}`);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (url.pathname === '/token') {
      const spec = style.token;
      if (!spec || req.method !== 'POST') return refuse(res, 'no token endpoint for this style');
      const wrong = mismatch(spec.headers ?? {}, req.headers, []);
      if (wrong) return refuse(res, `token request header ${wrong}`);
      if (spec.body) {
        const json = (req.headers['content-type'] ?? '').includes('json');
        if (json !== (spec.json === true)) return refuse(res, `token request content-type ${req.headers['content-type']}`);
        const got = json ? JSON.parse(raw || '{}') : Object.fromEntries(new URLSearchParams(raw));
        if (!sameFields(got, spec.body)) return refuse(res, `token request body ${raw}`);
      }
      const token = `tok-${randomBytes(6).toString('hex')}`;
      issued.add(token);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(spec.answer(token)));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      state.apiCalls++;
      const presented = /^Bearer (tok-[0-9a-f]+)$/.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
      if (style.token && !issued.has(presented)) return refuse(res, `API call without an issued token (${String(req.headers.authorization)})`);
      const wrong = mismatch(style.api(presented), req.headers, ['authorization', 'x-api-key', 'secret', 'apiintegrationcode']);
      if (wrong) return refuse(res, `API header ${wrong}`);
      if ([...url.searchParams.values()].some((v) => v.includes('${'))) return refuse(res, 'a literal placeholder');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path: url.pathname }));
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return state;
}

/** The template with its hosts pointed at the mock, as an operator's overrides would. */
function pointedAt(t: ConnectorTemplate, url: string): Record<string, unknown> {
  const d = t.definition as Record<string, unknown> & { tokenRequest?: Record<string, unknown> };
  const overrides: Record<string, unknown> = { apiBaseUrl: `${url}/api` };
  if (d.tokenRequest) overrides.tokenRequest = { ...d.tokenRequest, url: `${url}/token` };
  if (oauth(t)) {
    Object.assign(overrides, OAUTH_CLIENT, { tokenUrl: `${url}/token` });
    if (d.revocationUrl) overrides.revocationUrl = null;
    // The tenant lives only in the vendor's URLs, which now point at the mock.
    if (d.grantType === 'authorization_code') Object.assign(overrides, { authUrl: `${url}/authorize`, connectionConfig: null });
  }
  return overrides;
}

async function connect(t: ConnectorTemplate, connectorId: string, organizationId: string, style: Style): Promise<string> {
  if (t.definition.grantType === 'authorization_code') {
    const start = await g.app.inject({ method: 'GET', url: local(await connectLink(g, connectorId, organizationId)) });
    assert.equal(start.statusCode, 303, start.body);
    const back = await fetch(start.headers.location as string, { redirect: 'manual' });
    const done = await g.app.inject({ method: 'GET', url: local(back.headers.get('location') as string), headers: { cookie: bindingCookie(start) } });
    assert.equal(done.statusCode, 200, done.body);
    const list = await g.app.inject({ method: 'GET', url: `/admin/api/v1/connections?connector_id=${connectorId}`, headers: admin });
    return list.json().connections[0].connection_id;
  }
  const payload: Record<string, unknown> = { connector_id: connectorId, organization_id: organizationId };
  if (style.config) payload.config = style.config;
  if (style.credentials) payload.credentials = style.credentials;
  const res = await g.app.inject({ method: 'POST', url: '/admin/api/v1/connections', headers: admin, payload });
  assert.equal(res.statusCode, 201, `${t.name}: ${res.body}`);
  return res.json().connection_id;
}

test('there is a vendor style for every template', () => {
  assert.deepEqual(Object.keys(STYLES).sort(), [...templates.keys()].sort());
});

for (const t of templates.values()) {
  test(`${t.name}: pointed at a loopback mock of its style, it connects and makes one proxied call the mock accepts`, async () => {
    mock ??= await startMock();
    const style = STYLES[t.name];
    mock.style = style;
    mock.refusals = [];
    const created = await post({ template: t.name, overrides: pointedAt(t, mock.url) });
    assert.equal(created.statusCode, 201, created.body);
    const { organizationId } = await organization(g);
    const connectionId = await connect(t, created.json().connector_id, organizationId, style);
    const res = await proxy(g, connectionId, '/things?page=1');
    assert.equal(res.statusCode, 200, `${res.body} (mock refused: ${mock.refusals.join('; ')})`);
    assert.deepEqual(res.json(), { ok: true, path: '/api/things' });
    assert.deepEqual(mock.refusals, []);
  });
}

test('the mock refuses a style it was not built for: a Bearer token where an x-api-key is expected, and verify refuses the connection', async () => {
  mock ??= await startMock();
  const pax8 = templates.get('pax8')!;
  mock.style = { ...STYLES.pax8, api: STYLES.atera.api };
  mock.refusals = [];
  const created = await post({ template: 'pax8', overrides: pointedAt(pax8, mock.url) });
  assert.equal(created.statusCode, 201, created.body);
  const { organizationId } = await organization(g);
  const res = await g.app.inject({
    method: 'POST',
    url: '/admin/api/v1/connections',
    headers: admin,
    payload: { connector_id: created.json().connector_id, organization_id: organizationId },
  });
  assert.equal(res.statusCode, 400, res.body);
  assert.match(res.json().error.message, /the vendor refused these credentials: HTTP 401/);
  assert.match(mock.refusals.at(-1) ?? '', /x-api-key: undefined/);
});
