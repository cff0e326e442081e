// Discovery: RFC 8414 authorization server metadata (also served at the OpenID path, which
// generic clients probe first) and the JWKS it points to.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import { AUTH_METHODS } from './client-auth.ts';
import { grants } from './token.ts';

async function metadata(services: Services) {
  const issuer = services.config.publicUrl;
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    jwks_uri: `${issuer}/oauth/jwks`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    grant_types_supported: [...grants.keys(), 'implicit'],
    // Implicit (token) only for clients that enable it (seed 002).
    response_types_supported: ['code', 'token'],
    response_modes_supported: ['query', 'fragment'],
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    introspection_endpoint_auth_methods_supported: AUTH_METHODS,
    revocation_endpoint_auth_methods_supported: AUTH_METHODS,
    scopes_supported: await services.clients.allScopes(),
    // Not an RFC 8414 field; tells resource servers which algorithms the JWKS may carry.
    access_token_signing_alg_values_supported: ['ES256', 'EdDSA', 'RS256'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    service_documentation: `${issuer}/docs`,
  };
}

export function metadataRoutes(app: FastifyInstance, services: Services) {
  const serve = () => metadata(services);
  const schema = { tags: ['oauth'], summary: 'Authorization server metadata (RFC 8414)' };
  app.get('/.well-known/oauth-authorization-server', { schema, config: { audience: 'oauth' } }, serve);
  app.get('/.well-known/openid-configuration', { schema, config: { audience: 'oauth' } }, serve);
  app.get('/oauth/jwks', { schema: { tags: ['oauth'], summary: 'JSON Web Key Set' }, config: { audience: 'oauth' } }, async (_req, reply) => {
    reply.header('content-type', 'application/jwk-set+json').header('cache-control', 'public, max-age=60');
    return reply.send(services.keystore.jwks);
  });
}
