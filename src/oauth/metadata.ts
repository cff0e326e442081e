// Discovery: RFC 8414 authorization server metadata at its well-known path, for OAuth clients,
// and the OpenID Provider configuration (OIDC Discovery 1.0 §3) at the OpenID path: the same
// document plus what OpenID Connect adds. Both list only what is implemented; the JWKS they
// point to is served here too.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import { CLAIMS_SUPPORTED, IDENTITY_SCOPES } from './claims.ts';
import { AUTH_METHODS } from './client-auth.ts';
import { grants } from './token.ts';

async function oauthMetadata(services: Services) {
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
    scopes_supported: [...new Set([...IDENTITY_SCOPES, ...(await services.clients.allScopes())])],
    // Not an RFC 8414 field; tells resource servers which algorithms the JWKS may carry: those
    // of the keys it publishes, no others.
    access_token_signing_alg_values_supported: services.keystore.algorithms,
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    service_documentation: `${issuer}/docs`,
  };
}

async function openIdConfiguration(services: Services) {
  const issuer = services.config.publicUrl;
  return {
    ...(await oauthMetadata(services)),
    userinfo_endpoint: `${issuer}/oauth/userinfo`,
    end_session_endpoint: `${issuer}/oauth/end-session`,
    subject_types_supported: ['public'],
    // ID Tokens are signed with the current key only. (Discovery §3 asks every OP to list RS256;
    // Gatehouse lists the one algorithm it signs with: set GATEHOUSE_SIGNING_ALG=RS256 for it.)
    id_token_signing_alg_values_supported: [services.keystore.algorithm],
    claims_supported: CLAIMS_SUPPORTED,
    claim_types_supported: ['normal'],
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    // §3: request_uri_parameter_supported defaults to true, so all three are said outright.
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  };
}

export function metadataRoutes(app: FastifyInstance, services: Services) {
  const config = { audience: 'oauth' } as const;
  app.get('/.well-known/oauth-authorization-server', { schema: { tags: ['oauth'], summary: 'Authorization server metadata (RFC 8414)' }, config }, () =>
    oauthMetadata(services),
  );
  app.get(
    '/.well-known/openid-configuration',
    { schema: { tags: ['oauth'], summary: 'OpenID Provider configuration (OpenID Connect Discovery 1.0)' }, config },
    () => openIdConfiguration(services),
  );
  app.get('/oauth/jwks', { schema: { tags: ['oauth'], summary: 'JSON Web Key Set' }, config }, async (_req, reply) => {
    reply.header('content-type', 'application/jwk-set+json').header('cache-control', 'public, max-age=60');
    return reply.send(services.keystore.jwks);
  });
}
