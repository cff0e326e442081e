// The peer for the interactive grants: node-oidc-provider 9 with rotating refresh tokens
// (rotateRefreshToken: true), ES256 JWT access tokens (as set up in oidc-provider-peer.ts) and
// a confidential client using client_secret_basic, like Gatehouse. A control port mints codes
// through its Grant and AuthorizationCode models (what its interaction flow saves once the user
// has consented), each with a PKCE S256 challenge: the load generator exchanges them at /token,
// to measure the code exchange and to start the refresh chains.
// Storage: PostgreSQL through oidc-provider-pg-adapter.ts when BENCH_DATABASE_URL is set (the
// fair peer: it writes to disk as Gatehouse does); otherwise its in-memory development adapter,
// which keeps 1000 entries (least recently used dropped), enough for a few hundred chains.
// Prints one JSON line: {url, control, clientId, clientSecret, redirectUri}.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import Provider from 'oidc-provider';
import { CLIENT_SECRET as clientSecret, RESOURCE as resource, es256JwtSettings, listenLoopback } from './oidc-provider-peer.ts';
import { postgresAdapter } from './oidc-provider-pg-adapter.ts';
import { ownCpuMs } from '../lib/cpu.ts';
import { countStatements } from './statements.ts';

const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const storage = databaseUrl ? await postgresAdapter(databaseUrl) : undefined;
const statements = countStatements();
const { server, issuer } = await listenLoopback();
const { jwks, scopes, resourceIndicators } = es256JwtSettings();
const clientId = 'bench-web';
const redirectUri = 'https://app.bench.example/callback';
const provider = new Provider(issuer, {
  ...(storage ? { adapter: storage.adapter } : {}),
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [redirectUri],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256', // the only key is ES256
      scope: 'read write',
    },
  ],
  jwks,
  scopes,
  rotateRefreshToken: true,
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  // Gatehouse issues a refresh token to any client allowed the grant; so does the peer here
  // (by default it wants the offline_access scope, which only means something with OpenID).
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  features: {
    devInteractions: { enabled: false },
    resourceIndicators,
  },
});
server.on('request', provider.callback());

const registered = await provider.Client.find(clientId);
if (!registered) throw new Error('the bench client is not registered');
const client = registered;

/** One code for `scope=read` and the resource server, granted by one user, with its verifier. */
async function mint(): Promise<[code: string, verifier: string]> {
  const verifier = randomBytes(32).toString('base64url');
  const grant = new provider.Grant({ accountId: 'bench-user', clientId });
  grant.addResourceScope(resource, 'read');
  const grantId = await grant.save();
  // As the authorization endpoint builds it, minus the session binding (a refresh token that
  // outlives the browser session, as Gatehouse's do). @types/oidc-provider wants a gty here;
  // the authorization endpoint sets none on a code.
  const payload = {
    client,
    accountId: 'bench-user',
    grantId,
    scope: 'read',
    resource,
    redirectUri,
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    codeChallengeMethod: 'S256',
    authTime: Math.floor(Date.now() / 1000),
  } as ConstructorParameters<typeof provider.AuthorizationCode>[0];
  const code = await new provider.AuthorizationCode(payload).save();
  return [code, verifier];
}

// Control port: POST /codes?count=N answers [[code, verifier], ...], minted 16 at a time; GET
// /statements the count of database statements sent so far (statements.ts) and the CPU time used. In
// memory, the adapter's size bounds N.
const MAX_COUNT = storage ? 500_000 : 300;
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

process.stdout.write(JSON.stringify({ url: issuer, control: controlUrl, clientId, clientSecret, redirectUri }) + '\n');
process.once('SIGTERM', () => {
  control.close();
  server.close(() => void (storage?.close() ?? Promise.resolve()).finally(() => process.exit(0)));
  server.closeAllConnections();
});
