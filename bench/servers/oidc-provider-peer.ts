// What both node-oidc-provider peers share: a loopback HTTP server whose address is the issuer,
// one ES256 signing key, and ES256 JWT access tokens. For client_credentials and for the
// resource server of the code flow alike, oidc-provider issues JWT access tokens through the
// resource indicators feature, with a resource server whose token format is "jwt".
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { JWKS } from 'oidc-provider';

export const RESOURCE = 'https://api.bench.example';
export const CLIENT_SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';

export async function listenLoopback(): Promise<{ server: http.Server; issuer: string }> {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, issuer: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

/** Provider settings for one ES256 key and ES256 JWT access tokens for RESOURCE. */
export function es256JwtSettings() {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return {
    jwks: { keys: [{ ...jwk, kid: 'bench-es256', alg: 'ES256', use: 'sig' }] } as JWKS,
    scopes: ['read', 'write'],
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'read write', accessTokenFormat: 'jwt' as const, jwt: { sign: { alg: 'ES256' as const } } }),
    },
  };
}
