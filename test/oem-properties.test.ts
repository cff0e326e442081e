// Property-based tests: random and malformed bodies and headers sent to every OEM and Vendor API
// route always get a 4xx in the seeds' error shape, never a 5xx, and change no rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startGatehouse } from './helpers.ts';
import { accessToken, createOrganization, credentials, enrolled, organizationData, snapshot } from './oem-helpers.ts';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 100);

type Json = Record<string, unknown>;

interface Route {
  method: 'GET' | 'POST' | 'PATCH';
  url: string;
  /** A request that would succeed (or be refused only for a duplicate) with these headers. */
  body?: Json;
  headers: Record<string, string>;
  /** Paths that must be present. */
  required: string[][];
  /** Paths holding a string that must not be empty or of another type. */
  strings: string[][];
  /** Paths holding a string that must be exactly right (a secret, an id, an enum value). */
  exact?: string[][];
}

const printable = fc.string({
  unit: fc.constantFrom(...' !#$%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~'.split('')),
  maxLength: 80,
});

const wrongType = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

function clone(value: Json): Json {
  return structuredClone(value);
}

function setPath(target: Json, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = node[key] as Json;
  node[path[path.length - 1]] = value;
}

function deletePath(target: Json, path: string[]): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = node[key] as Json;
  delete node[path[path.length - 1]];
}

/** One change that makes a valid body invalid. */
function mutation(route: Route) {
  const objectPaths: string[][] = [[], ...route.required.filter((p) => p[p.length - 1] === 'data')];
  const unknownKey = printable.filter(
    (k) =>
      k.length > 0 &&
      ![
        'clientId',
        'clientSecret',
        'grantType',
        'scope',
        'data',
        'organizationOemToken',
        'vendorUserId',
        'integrationType',
        'organizationId',
        'vendorId',
        'name',
        'email',
        'firstName',
        'lastName',
        'vendorOrganizationId',
        'integrationCredentials',
        'vendorAccountId',
        'externalId',
        'vendorServiceId',
        'description',
        'status',
        '__proto__',
        'constructor',
      ].includes(k),
  );
  const options = [
    ...(route.required.length ? [fc.record({ kind: fc.constant('drop' as const), path: fc.constantFrom(...route.required) })] : []),
    ...(route.strings.length
      ? [
          fc.record({ kind: fc.constant('retype' as const), path: fc.constantFrom(...route.strings), value: wrongType }),
          fc.record({ kind: fc.constant('empty' as const), path: fc.constantFrom(...route.strings) }),
        ]
      : []),
    ...(route.exact?.length
      ? [fc.record({ kind: fc.constant('garble' as const), path: fc.constantFrom(...route.exact), value: printable.map((s) => `x${s}`) })]
      : []),
    fc.record({ kind: fc.constant('extra' as const), path: fc.constantFrom(...objectPaths), key: unknownKey, value: fc.jsonValue({ maxDepth: 2 }) }),
  ];
  return fc.oneof(...options);
}

type Mutation = ReturnType<typeof mutation> extends fc.Arbitrary<infer M> ? M : never;

function apply(route: Route, m: Mutation): Json {
  const body = clone(route.body ?? {});
  if (m.kind === 'drop') deletePath(body, m.path);
  else if (m.kind === 'retype') setPath(body, m.path, m.value);
  else if (m.kind === 'garble') setPath(body, m.path, m.value);
  else if (m.kind === 'empty') setPath(body, m.path, '');
  else if (m.kind === 'extra') setPath(body, [...m.path, m.key], m.value);
  return body;
}

function assertRefused(res: { statusCode: number; body: string; headers: Record<string, unknown> }, what: string) {
  assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${what}: ${res.statusCode} ${res.body}`);
  const body = JSON.parse(res.body);
  assert.equal(body.status, res.statusCode, what);
  assert.equal(typeof body.error, 'string', what);
  assert.equal(typeof body.message, 'string', what);
}

test('random and malformed requests to the OEM and Vendor APIs: 4xx, never 5xx, no rows changed', async (t) => {
  const g = await startGatehouse({ GATEHOUSE_OEM_RATE_LIMIT_IP: '10000000', GATEHOUSE_VENDOR_API_RATE_LIMIT: '10000000' });
  t.after(() => g.stop());
  const { vendor, org, token } = await enrolled(g);
  const manage = await accessToken(g, vendor, 'vendor_manage');
  const partner = await accessToken(g, vendor, 'oem:partner_token');
  // Make every "would succeed" body a duplicate or an update-free request where possible.
  const taken = organizationData();
  await createOrganization(g, vendor, taken);
  const creds = credentials(vendor);
  const mspc = { authorization: `Bearer ${token}` };

  const routes: Route[] = [
    {
      method: 'POST',
      url: '/api/oem-api/organization',
      headers: {},
      body: { ...creds, data: { ...organizationData(), vendorOrganizationId: taken.vendorOrganizationId } },
      required: [['data'], ['data', 'name'], ['data', 'email']],
      strings: [['clientId'], ['clientSecret'], ['grantType'], ['data', 'name'], ['data', 'email']],
      exact: [['clientId'], ['clientSecret'], ['grantType']],
    },
    {
      method: 'POST',
      url: '/api/oem-api/organization/session',
      headers: {},
      body: { ...creds, organizationOemToken: org.organizationOemToken },
      required: [['organizationOemToken']],
      strings: [['clientId'], ['clientSecret'], ['grantType'], ['organizationOemToken']],
      exact: [['clientId'], ['clientSecret'], ['grantType'], ['organizationOemToken']],
    },
    {
      method: 'POST',
      url: '/api/oem-api/integration',
      headers: { authorization: `Bearer ${partner}` },
      body: { integrationType: 'external', organizationId: org.organizationId, vendorId: vendor.vendor_id },
      required: [['organizationId'], ['vendorId']],
      strings: [['integrationType'], ['organizationId'], ['vendorId']],
      exact: [['integrationType'], ['organizationId'], ['vendorId']],
    },
    {
      method: 'POST',
      url: '/api/oem-api/integration',
      headers: {},
      body: { ...creds, organizationOemToken: org.organizationOemToken, data: { vendorId: vendor.vendor_id, integrationCredentials: { key: 'v' } } },
      required: [['organizationOemToken'], ['data'], ['data', 'vendorId'], ['data', 'integrationCredentials']],
      strings: [['clientId'], ['clientSecret'], ['grantType'], ['organizationOemToken'], ['data', 'vendorId']],
      exact: [['clientId'], ['clientSecret'], ['grantType'], ['organizationOemToken'], ['data', 'vendorId']],
    },
    {
      method: 'PATCH',
      url: '/api/oem-api/integration',
      headers: {},
      body: { ...creds, organizationOemToken: org.organizationOemToken, data: { vendorId: vendor.vendor_id, integrationCredentials: { key: 'v' } } },
      required: [['organizationOemToken'], ['data'], ['data', 'vendorId'], ['data', 'integrationCredentials']],
      strings: [['clientId'], ['clientSecret'], ['grantType'], ['organizationOemToken'], ['data', 'vendorId']],
      exact: [['clientId'], ['clientSecret'], ['grantType'], ['organizationOemToken'], ['data', 'vendorId']],
    },
    {
      method: 'GET',
      url: `/api/oem-api/organization/${org.organizationId}/integrations`,
      headers: { authorization: `Bearer ${manage}` },
      required: [],
      strings: [],
    },
    {
      method: 'GET',
      url: `/api/oem-api/organization/${org.organizationId}/vendors`,
      headers: { authorization: `Bearer ${manage}` },
      required: [],
      strings: [],
    },
    { method: 'GET', url: '/api/vendor-api/organization', headers: mspc, required: [], strings: [] },
    {
      method: 'POST',
      url: '/api/vendor-api/organization/accounts',
      headers: mspc,
      body: { vendorAccountId: 'acc', name: 'Account', externalId: 'e' },
      required: [['vendorAccountId'], ['name']],
      strings: [['vendorAccountId'], ['name']],
    },
    { method: 'GET', url: '/api/vendor-api/organization/accounts', headers: mspc, required: [], strings: [] },
    {
      method: 'POST',
      url: '/api/vendor-api/organization/services',
      headers: mspc,
      body: { vendorServiceId: 'svc', name: 'Service' },
      required: [['vendorServiceId'], ['name']],
      strings: [['vendorServiceId'], ['name']],
    },
    { method: 'GET', url: '/api/vendor-api/organization/services', headers: mspc, required: [], strings: [] },
    {
      method: 'PATCH',
      url: '/api/vendor-api/status',
      headers: mspc,
      body: { status: 'active' },
      required: [['status']],
      strings: [['status']],
      exact: [['status']],
    },
  ];

  await g.services.usage.flush();
  const before = await snapshot(g);

  for (const route of routes) {
    const name = `${route.method} ${route.url}`;
    await t.test(`${name}: random bodies and headers without valid credentials`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(printable, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 })),
          fc.option(
            fc.oneof(
              printable,
              printable.map((s) => `Bearer ${s}`),
              printable.map((s) => `Bearer ${Buffer.from(s).toString('base64')}`),
            ),
            { nil: undefined },
          ),
          fc.option(printable, { nil: undefined }),
          async (body, authorization, mspcHeader) => {
            const headers: Record<string, string> = { 'content-type': 'application/json' };
            if (authorization !== undefined) headers.authorization = authorization;
            if (mspcHeader !== undefined) headers['mspc-token'] = mspcHeader;
            const res = await g.app.inject({
              method: route.method,
              url: route.url,
              headers,
              payload: route.method === 'GET' ? undefined : JSON.stringify(body),
            });
            assertRefused(res, name);
          },
        ),
        { numRuns: RUNS },
      );
    });

    if (route.method !== 'GET') {
      await t.test(`${name}: valid credentials, one field broken`, async () => {
        await fc.assert(
          fc.asyncProperty(mutation(route), async (m) => {
            const res = await g.app.inject({ method: route.method, url: route.url, headers: route.headers, payload: apply(route, m) });
            assertRefused(res, `${name} ${JSON.stringify(m)}`);
          }),
          { numRuns: RUNS },
        );
      });

      await t.test(`${name}: bodies that are not JSON objects`, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(printable, fc.constant(''), fc.constant('null'), fc.constant('[]'), fc.constant('"x"'), fc.constant('{"a":')),
            fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml'),
            async (raw, type) => {
              const res = await g.app.inject({ method: route.method, url: route.url, headers: { ...route.headers, 'content-type': type }, payload: raw });
              assertRefused(res, `${name} ${type} ${JSON.stringify(raw)}`);
            },
          ),
          { numRuns: Math.ceil(RUNS / 2) },
        );
      });
    } else {
      await t.test(`${name}: unknown query parameters and bad paging`, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              printable.filter((k) => /^[a-z]+$/i.test(k) && !['limit', 'after'].includes(k)).map((k) => `${k}=1`),
              fc
                .oneof(
                  fc.integer({ max: 0 }),
                  fc.integer({ min: 1000 }),
                  printable.filter((s) => !/^[1-9][0-9]{0,2}$/.test(s)),
                )
                .map((v) => `limit=${encodeURIComponent(String(v))}`),
            ),
            async (query) => {
              const res = await g.app.inject({ method: 'GET', url: `${route.url}?${query}`, headers: route.headers });
              assertRefused(res, `${name}?${query}`);
            },
          ),
          { numRuns: Math.ceil(RUNS / 2) },
        );
      });
    }
  }

  await g.services.usage.flush();
  assert.equal(await snapshot(g), before, 'no rows changed');
});
