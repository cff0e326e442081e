// The floor for any Node token endpoint: a bare Fastify route that does the essential work of
// client_credentials and nothing else. It checks a Basic client secret against its SHA-256 hash
// in constant time and signs a fresh ES256 JWT per request with fast-jwt. No database, no audit,
// no rate limit, no logging.
import { createHash, generateKeyPairSync, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
import formbody from '@fastify/formbody';
import { createSigner } from 'fast-jwt';

const clientId = 'floor-client';
const clientSecret = randomBytes(32).toString('base64url');
const secretHash = createHash('sha256').update(clientSecret).digest();
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const sign = createSigner({
  key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  algorithm: 'ES256',
  kid: 'floor',
  header: { alg: 'ES256', typ: 'at+jwt' },
  expiresIn: 3600_000,
  iss: 'http://127.0.0.1',
});

function authenticated(header: string | undefined): string | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString();
  const colon = decoded.indexOf(':');
  if (colon < 0 || decoded.slice(0, colon) !== clientId) return undefined;
  const presented = createHash('sha256')
    .update(decoded.slice(colon + 1))
    .digest();
  return timingSafeEqual(presented, secretHash) ? clientId : undefined;
}

const app = Fastify({ logger: false });
await app.register(formbody);
app.post('/oauth/token', async (request, reply) => {
  const client = authenticated(request.headers.authorization);
  if (!client) return reply.status(401).send({ error: 'invalid_client' });
  const scope = (request.body as { scope?: string }).scope ?? 'read';
  reply.header('cache-control', 'no-store');
  return {
    access_token: sign({ sub: client, client_id: client, aud: 'http://127.0.0.1', scope, jti: randomUUID() }),
    token_type: 'Bearer',
    expires_in: 3600,
    scope,
  };
});
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as { port: number };
process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}`, clientId, clientSecret }) + '\n');
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
