// The peer: node-oidc-provider 9 issuing ES256 JWT access tokens for client_credentials, with
// client_secret_basic like Gatehouse. JWT access tokens for this grant come from the resource
// indicators feature with a resource server whose token format is "jwt".
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { once } from 'node:events';
import Provider from 'oidc-provider';

const server = http.createServer();
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as { port: number };
const issuer = `http://127.0.0.1:${port}`;

const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
const clientId = 'bench';
const clientSecret = 'bench-secret-0123456789abcdef0123456789abcdef';
const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256', // the only key is ES256
    scope: 'read write',
  }],
  jwks: { keys: [{ ...jwk, kid: 'bench-es256', alg: 'ES256', use: 'sig' } as any] },
  scopes: ['read', 'write'],
  features: {
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'https://api.bench.example',
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'read write', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
    },
  },
});
server.on('request', provider.callback());
process.stdout.write(JSON.stringify({ url: issuer, clientId, clientSecret }) + '\n');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
