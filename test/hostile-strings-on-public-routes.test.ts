// Property-based fuzzing, with fast-check, of every route the OpenAPI document lists (OAuth,
// OEM, Vendor, admin with a valid token, MSP, the pages): path parameters, query parameters and
// the documented body fields carry hostile text (lone surrogates, NUL, raw invalid UTF-8 bytes
// in the body and percent-encoded in the URL, dates PostgreSQL cannot take, numbers beyond a
// bigint), bodies sent as raw bytes in JSON and form encodings, with the credentials each surface
// wants. Never a 5xx. And an admin's client creations made at the same moment as the hostile
// requests keep their client.created audit events: no hostile value fails the shared audit batch.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { admin, basic, createClient, startGatehouse, type TestGatehouse } from './helpers.ts';
import { Browser, PASSWORD } from './interactive-helpers.ts';
import { enrolled } from './oem-helpers.ts';
import { mspSetup, subscribe } from './webhook-helpers.ts';

const RUNS = 400;
const BATCH = 6;

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minItems?: number;
}

/** An operation as the OpenAPI document lists it: what the test reads of it. */
interface DocumentedOperation {
  parameters?: unknown[];
  requestBody?: { content?: Record<string, { schema?: Schema } | undefined> };
}

interface Operation {
  method: string;
  path: string; // with {name} placeholders
  params: string[];
  query: Record<string, Schema>;
  body: Schema | undefined; // the documented body, JSON or form
  form: boolean; // the body may be form-encoded (and, for these routes, JSON too)
}

let g: TestGatehouse;
let operations: Operation[];
let realIds: string[];
let credentialsFor: (path: string) => { headers: Record<string, string>; body: Record<string, string> };
const created: string[] = [];
/** Status codes seen, for the diagnostic line: the fuzzing reaches past the 400s. */
const statuses = new Map<number, number>();

// Placeholders for raw bytes: replaced in the encoded request, so that the bytes themselves
// (not a JavaScript string's UTF-8) reach the server.
const RAW: Record<string, Buffer> = {
  '\uE000': Buffer.from([0xff]),
  '\uE001': Buffer.from([0xc0, 0xaf]), // an overlong "/"
  '\uE002': Buffer.from([0xed, 0xa0, 0x80]), // a surrogate encoded as if it were a character
  '\uE003': Buffer.from([0x00]),
  '\uE004': Buffer.from([0xe2, 0x82]), // a sequence cut short
};

const hostileText = fc.oneof(
  fc.constantFrom('\ud800', '\udfff', '\0', 'a\0b', 'x\ud800y', '\udfff\ud800', '\uE000', 'ok\uE001', '\uE002', '\uE003', 'a\uE004'),
  fc.constantFrom('0000-01-01T00:00:00Z', '2026-01-01T23:59:60Z', '9999999999999999999', '-1', '1e400', 'NaN', '%00', '%ff', '../..'),
  fc.string({ unit: fc.constantFrom('\0', '\ud800', '\udfff', '\uE000', '\uE002', '\uE003', 'a', 'é', '😀', '"', '\\', '&', '=', '%'), maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

/** A value for a field: hostile text most of the time, a real id or a plain value otherwise. */
const fieldValue = () =>
  fc.oneof(
    { weight: 4, arbitrary: hostileText },
    { weight: 1, arbitrary: fc.constantFrom(...realIds) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(hostileText, { maxLength: 2 }),
        fc.dictionary(hostileText, hostileText, { maxKeys: 2 }),
      ),
    },
  );

/** Bytes of `text` with lone surrogates written as their three-byte (invalid) form and the raw placeholders as their bytes. */
function bytesOf(text: string): Buffer {
  const parts: Buffer[] = [];
  for (const c of text) {
    const unit = c.charCodeAt(0);
    if (RAW[c]) parts.push(RAW[c]);
    else if (c.length === 1 && unit >= 0xd800 && unit <= 0xdfff)
      parts.push(Buffer.from([0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]));
    else parts.push(Buffer.from(c, 'utf8'));
  }
  return Buffer.concat(parts);
}

/** Percent-encoding of every byte outside the unreserved set (RFC 3986 §2.3). */
function percent(text: string): string {
  return [...bytesOf(text)]
    .map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`))
    .join('');
}

/** JSON text as bytes, the placeholders inside it replaced by their raw bytes. */
function jsonBytes(value: unknown): Buffer {
  const text = JSON.stringify(value);
  const parts: Buffer[] = [];
  let plain = '';
  for (const c of text) {
    if (RAW[c]) {
      parts.push(Buffer.from(plain, 'utf8'), RAW[c]);
      plain = '';
    } else plain += c;
  }
  parts.push(Buffer.from(plain, 'utf8'));
  return Buffer.concat(parts);
}

const asText = (v: unknown) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

/** Ids by the field names that carry them, for plausible values. */
let idsByName: Record<string, string>;

// Values tried in turn for a free string with a pattern; the first the pattern accepts is used.
const CANDIDATES = ['plain value', 'Plain1', '1', 'https://receiver.example/hooks', 'a@example.com', 'X-Api-Key', 'read'];

/**
 * A value the schema accepts, as far as one can be made from it: enums, types, formats, known
 * names; `choose(n)` picks among alternatives (0 for the first, or at random).
 */
function plausible(schema: Schema, name: string, choose: (n: number) => number): unknown {
  if (schema.enum) return schema.enum[choose(schema.enum.length)];
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type ?? 'string']).filter((t) => t !== 'null');
  const type = types[choose(types.length)] ?? 'string';
  if (type === 'object') {
    const props = schema.properties ?? {};
    const keys = Object.keys(props).filter((k) => (schema.required ?? []).includes(k) || choose(2) === 1);
    return Object.fromEntries(keys.map((k) => [k, plausible(props[k], k, choose)]));
  }
  if (type === 'array') return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => plausible(schema.items ?? {}, name, choose));
  if (type === 'integer' || type === 'number') return 60 + choose(3);
  if (type === 'boolean') return choose(2) === 1;
  if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
  if (idsByName[name]) return idsByName[name];
  if (/url|uri/i.test(name)) return 'https://receiver.example/hooks';
  if (/email/i.test(name)) return `fuzz${choose(1000)}@example.com`;
  if (schema.pattern) return CANDIDATES.find((c) => new RegExp(schema.pattern!, 'u').test(c)) ?? 'plain';
  return 'plain value';
}

/** Every path to a string-typed field of a body (nested objects included), for one-field-at-a-time hostility. */
function stringPaths(schema: Schema | undefined, prefix: string[] = []): string[][] {
  if (!schema?.properties) return [];
  return Object.entries(schema.properties).flatMap(([k, sub]) => [[...prefix, k], ...stringPaths(sub, [...prefix, k])]);
}

function setAt(body: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  let at: Record<string, unknown> = copy;
  for (const k of path.slice(0, -1)) {
    if (at[k] === null || typeof at[k] !== 'object' || Array.isArray(at[k])) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[path[path.length - 1]] = value;
  return copy;
}

before(async () => {
  const unlimited = '10000000';
  g = await startGatehouse({
    GATEHOUSE_OEM_RATE_LIMIT_IP: unlimited,
    GATEHOUSE_TOKEN_RATE_LIMIT_IP: unlimited,
    GATEHOUSE_TOKEN_RATE_LIMIT_CLIENT: unlimited,
    GATEHOUSE_PAGE_RATE_LIMIT_IP: unlimited,
    GATEHOUSE_AUTH_FAILURE_LIMIT_IP: unlimited,
    GATEHOUSE_VENDOR_API_RATE_LIMIT: unlimited,
  });
  const msp = await mspSetup(g);
  const hook = await subscribe(g, msp.auth, { webhook_url: 'https://receiver.example/hooks', eventTypes: ['user.added'] });
  const vendorSide = await enrolled(g, 'Fuzz Vendor');
  const client = await createClient(g, { name: 'fuzz target' });
  const browser = new Browser(g);
  const owner = (await g.services.organizations.users(msp.organizationId)).find((u) => u.role === 'owner')!;
  assert.equal((await browser.login(owner.email, PASSWORD)).statusCode, 303);
  realIds = [
    msp.organizationId,
    hook.webhook_id,
    client.client_id,
    msp.vendor.vendor_id,
    owner.id,
    vendorSide.integration.integration.id,
    vendorSide.org.organizationId,
  ];
  idsByName = {
    organization_id: msp.organizationId,
    organizationId: vendorSide.org.organizationId,
    vendorId: vendorSide.vendor.vendor_id,
    vendor_id: msp.vendor.vendor_id,
    webhook_id: hook.webhook_id,
    client_id: client.client_id,
    user_id: owner.id,
    integrationId: vendorSide.integration.integration.id,
  };
  const oem = { clientId: vendorSide.vendor.client_id, clientSecret: vendorSide.vendor.client_secret };
  credentialsFor = (path): { headers: Record<string, string>; body: Record<string, string> } => {
    if (path.startsWith('/admin/')) return { headers: admin, body: {} };
    if (path.startsWith('/api/msp/')) return { headers: msp.auth, body: {} };
    if (path.startsWith('/api/vendor-api/')) return { headers: { 'mspc-token': vendorSide.token }, body: {} };
    if (path.startsWith('/api/oem-api/')) return { headers: {}, body: oem };
    if (path.startsWith('/oauth/token') || path.startsWith('/oauth/introspect') || path.startsWith('/oauth/revoke')) {
      return { headers: { authorization: basic(client.client_id, client.client_secret) }, body: {} };
    }
    return { headers: { cookie: browser.cookie }, body: {} };
  };

  const doc = (await g.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, DocumentedOperation>> };
  operations = [];
  for (const [path, byMethod] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(byMethod)) {
      if (method === 'query' || method === 'trace') continue; // methods inject cannot send; the proxy refuses them anyway
      const parameters = (op.parameters ?? []) as { in: string; name: string }[];
      const content = op.requestBody?.content ?? {};
      operations.push({
        method: method.toUpperCase(),
        path,
        params: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
        query: Object.fromEntries(parameters.filter((p) => p.in === 'query').map((p) => [p.name, (p as { schema?: Schema }).schema ?? {}])),
        body: content['application/json']?.schema ?? content['application/x-www-form-urlencoded']?.schema,
        form: Boolean(content['application/x-www-form-urlencoded']),
      });
    }
  }
  assert.ok(operations.length > 80, `the document lists ${operations.length} operations`);
});
after(() => g.stop());

interface Request {
  op: Operation;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  encoding: 'json' | 'form' | 'none';
  withCredentials: boolean;
  cookies?: Record<string, string>; // hostile session, CSRF and connect-binding cookies
}

async function send(r: Request) {
  const url = r.op.path.replace(/\{([^}]+)\}/g, (_, name: string) => (name === '*' ? 'v1/items' : percent(r.params[name] ?? 'x')));
  const search = Object.entries(r.query)
    .map(([k, v]) => `${percent(k)}=${percent(asText(v))}`)
    .join('&');
  const auth = r.withCredentials ? credentialsFor(r.op.path) : { headers: {}, body: {} };
  const body = { ...auth.body, ...r.body };
  const headers: Record<string, string> = { ...auth.headers };
  if (r.cookies) {
    const hostile = Object.entries(r.cookies)
      .map(([k, v]) => `${k}=${percent(v)}`)
      .join('; ');
    headers.cookie = headers.cookie ? `${headers.cookie}; ${hostile}` : hostile;
  }
  let payload: Buffer | undefined;
  if (r.encoding === 'json' && r.op.method !== 'GET' && r.op.method !== 'HEAD') {
    headers['content-type'] = 'application/json';
    payload = jsonBytes(body);
  } else if (r.encoding === 'form' && r.op.method !== 'GET' && r.op.method !== 'HEAD') {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    // Form bodies get raw bytes too: a value's placeholders stay unencoded.
    payload = Buffer.concat(
      Object.entries(body).flatMap(([k, v], i) => [
        Buffer.from(i ? '&' : ''),
        Buffer.from(`${percent(k)}=`),
        Buffer.concat(Array.from(asText(v)).map((c) => RAW[c] ?? Buffer.from(percent(c)))),
      ]),
    );
  }
  const res = await g.app.inject({ method: r.op.method as 'GET', url: search ? `${url}?${search}` : url, headers, payload });
  statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
  assert.ok(res.statusCode < 500, `${r.op.method} ${url}?${search} ${payload?.toString('latin1') ?? ''} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
  return res;
}

/** A plausible request with hostile values in a few places (and now and then random fields). */
function requestFor(op: Operation): fc.Arbitrary<Request> {
  const value = fieldValue();
  const fields = stringPaths(op.body);
  const queryNames = Object.keys(op.query);
  return fc
    .record({
      seed: fc.integer({ min: 0, max: 2 ** 30 }),
      params: fc.tuple(...op.params.map(() => fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...realIds) }, hostileText))),
      hostileQuery: fc
        .subarray(queryNames, { maxLength: Math.min(2, queryNames.length) })
        .chain((names) => fc.tuple(...names.map((n) => value.map((v) => [n, v] as const)))),
      hostileBody: fc
        .subarray(fields, { maxLength: Math.min(2, fields.length) })
        .chain((paths) => fc.tuple(...paths.map((p) => value.map((v) => [p, v] as const)))),
      extra: fc.option(fc.dictionary(hostileText, value, { maxKeys: 2 }), { freq: 5 }),
      encoding: fc.constantFrom<Request['encoding']>(...(op.form ? (['form', 'json'] as const) : (['json', 'json', 'form', 'none'] as const))),
      withCredentials: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, fc.constant(false)),
      cookies: fc.option(fc.record({ gh_session: hostileText, gh_csrf: hostileText, gh_connect: hostileText }, { requiredKeys: [] }), { freq: 4 }),
    })
    .map(({ seed, params, hostileQuery, hostileBody, extra, encoding, withCredentials, cookies }) => {
      let state = seed;
      const choose = (n: number) => {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        return state % n;
      };
      const query: Record<string, unknown> = Object.fromEntries(queryNames.filter(() => choose(3) === 0).map((n) => [n, plausible(op.query[n], n, choose)]));
      for (const [n, v] of hostileQuery) query[n] = v;
      let body = (op.body ? plausible(op.body, '', choose) : {}) as Record<string, unknown>;
      for (const [p, v] of hostileBody) body = setAt(body, p, v);
      if (extra) body = { ...body, ...extra };
      return { op, params: Object.fromEntries(op.params.map((n, i) => [n, params[i]])), query, body, encoding, withCredentials, cookies: cookies ?? undefined };
    });
}

/** An admin creates a client while hostile requests are in flight: its audit event must survive. */
async function alongside(requests: Promise<unknown>[]) {
  const creating = createClient(g, { name: `made during fuzzing ${created.length}` }).then((c) => created.push(c.client_id));
  await Promise.all([...requests, creating]);
}

test('every documented route, each field in turn (path, query, body) set to each hostile value, the rest plausible: never a 5xx', async (t) => {
  const constants = ['\ud800', '\0', '\uE000\uE002', '0000-01-01T00:00:00Z', '2026-01-01T23:59:60Z', '9999999999999999999'];
  const first = () => 0;
  for (const op of operations) {
    const params = Object.fromEntries(op.params.map((n) => [n, idsByName[n] ?? realIds[0]]));
    const query = Object.fromEntries(Object.entries(op.query).map(([n, schema]) => [n, plausible(schema, n, first)]));
    const body = (op.body ? plausible(op.body, '', first) : {}) as Record<string, unknown>;
    const encoding = op.form ? 'form' : 'json';
    const sends: Promise<unknown>[] = [];
    for (const hostile of constants) {
      const base = { op, params, query, body, encoding, withCredentials: true } as const;
      for (const n of op.params) sends.push(send({ ...base, params: { ...params, [n]: hostile } }));
      for (const n of Object.keys(op.query)) sends.push(send({ ...base, query: { ...query, [n]: hostile } }));
      for (const path of stringPaths(op.body)) sends.push(send({ ...base, body: setAt(body, path, hostile) }));
    }
    await alongside(sends);
  }
  t.diagnostic(
    `statuses: ${[...statuses]
      .sort(([a], [b]) => a - b)
      .map(([code, n]) => `${code}×${n}`)
      .join(', ')}`,
  );
});

test('random hostile requests over every route, with and without credentials: never a 5xx', async (t) => {
  statuses.clear();
  const anyRequest = fc.constantFrom(...operations).chain(requestFor);
  await fc.assert(
    fc.asyncProperty(fc.array(anyRequest, { minLength: 1, maxLength: BATCH }), async (batch) => {
      await alongside(batch.map(send));
    }),
    { numRuns: RUNS },
  );
  t.diagnostic(
    `statuses: ${[...statuses]
      .sort(([a], [b]) => a - b)
      .map(([code, n]) => `${code}×${n}`)
      .join(', ')}`,
  );
});

test('the client.created events of clients made alongside the hostile requests are all in the audit log', async () => {
  await g.services.audit.flush();
  const res = await g.app.inject({ method: 'GET', url: '/admin/api/v1/audit-events?action=client.created&limit=1000', headers: admin });
  assert.equal(res.statusCode, 200, res.body);
  const audited = new Set(
    (res.json().events as { client_id: string | null; details: { client_id?: string } }[]).map((e) => e.client_id ?? e.details.client_id),
  );
  assert.ok(created.length >= operations.length + RUNS, `${created.length} clients made`);
  const missing = created.filter((id) => !audited.has(id));
  assert.deepEqual(missing, [], `${missing.length} of ${created.length} client.created events are missing`);
});
