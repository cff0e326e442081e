// Gatehouse for the interactive-grant benchmarks: built through the composition root like
// gatehouse.ts, with a vendor, an organization (whose owner is the signed-in user) and a
// confidential code-flow client, all created through the public APIs as an operator would.
// A second loopback listener, the control port, mints authorization codes on request through
// the same service /oauth/authorize calls once the user has consented (services.codes.issue),
// each with its own PKCE S256 verifier, so the load generator never measures the minting.
// Prints one JSON line: {url, control, clientId, clientSecret, redirectUri}.
// Environment: BENCH_DATABASE_URL (PostgreSQL; embedded PGlite in a temporary directory when unset).
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import { ADMIN_TOKEN as adminToken, bootGatehouse } from './boot.ts';
import { ownCpuMs } from '../lib/cpu.ts';
import { countStatements } from './statements.ts';

const { gatehouse, url } = await bootGatehouse();
const { services } = gatehouse;
const statements = countStatements(services.storage.pglite);

async function call<T>(route: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`POST ${route} failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
const asAdmin = { authorization: `Bearer ${adminToken}` };

// The user: the owner of an organization a vendor enrols through the OEM API.
const vendor = await call<{ client_id: string; client_secret: string }>('/admin/api/v1/vendors', { name: 'Bench Vendor' }, asAdmin);
const { organizationId } = await call<{ organizationId: string }>('/api/oem-api/organization', {
  clientId: vendor.client_id,
  clientSecret: vendor.client_secret,
  grantType: 'client_credentials',
  scope: 'vendor_manage',
  data: { name: 'Bench Org', email: 'owner@bench.example', firstName: 'Bench', lastName: 'Owner', vendorUserId: 'u-1', vendorOrganizationId: 'o-1' },
});
const owner = (await services.organizations.users(organizationId))[0];
const user = { id: owner.id, organizationId, credentialVersion: owner.credential_version };

// The client: confidential (client_secret_basic at the token endpoint), code flow with refresh.
const redirectUri = 'https://app.bench.example/callback';
const client = await call<{ client_id: string; client_secret: string }>(
  '/admin/api/v1/clients',
  {
    name: 'bench web app',
    grant_types: ['authorization_code', 'refresh_token'],
    scopes: ['read', 'write'],
    redirect_uris: [redirectUri],
  },
  asAdmin,
);

/** One code as /oauth/authorize would issue it for `code_challenge=S256(verifier)&scope=read`. */
async function mint(): Promise<[code: string, verifier: string]> {
  const verifier = randomBytes(32).toString('base64url');
  const code = await services.codes.issue({
    clientId: client.client_id,
    user,
    redirectUri,
    redirectUriSent: true,
    scope: 'read',
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    nonce: undefined,
    authTime: new Date(),
    amr: ['pwd'],
  });
  return [code, verifier];
}

// Control port: POST /codes?count=N answers [[code, verifier], ...], GET /statements the count
// of database statements sent so far (statements.ts) and the CPU time used. Minted 16 at a time (the
// embedded database serialises them anyway; PostgreSQL takes them in parallel).
const MAX_COUNT = 500_000;
const control = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/statements') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ statements: statements(), cpuMs: ownCpuMs() }));
    return;
  }
  const count = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('count'));
  if (req.method !== 'POST' || !req.url?.startsWith('/codes') || !Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    res.writeHead(400).end();
    return;
  }
  void (async () => {
    const codes: [string, string][] = [];
    while (codes.length < count) {
      codes.push(...(await Promise.all(Array.from({ length: Math.min(16, count - codes.length) }, mint))));
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(codes));
  })().catch((error: Error) => res.writeHead(500).end(error.message));
});
control.listen(0, '127.0.0.1');
await once(control, 'listening');
const controlUrl = `http://127.0.0.1:${(control.address() as { port: number }).port}`;

process.stdout.write(JSON.stringify({ url, control: controlUrl, clientId: client.client_id, clientSecret: client.client_secret, redirectUri }) + '\n');
const stop = () => {
  control.close();
  void gatehouse.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
