// RFC 6749 §4.4: the client, authenticated, asks for a token on its own behalf.
import { IDENTITY_SCOPES } from '../claims.ts';
import { grantedScope } from '../scope.ts';
import { param } from '../client-auth.ts';
import type { GrantHandler } from './types.ts';

export const clientCredentials: GrantHandler = async ({ client, params, services }) => {
  // A client acting for itself has no user to identify: the OpenID Connect scopes are never its
  // (OIDC Core §3: an ID Token describes an End-User's authentication).
  const scope = grantedScope(
    param(params, 'scope'),
    client.scopes.filter((s) => !IDENTITY_SCOPES.includes(s)),
  );
  const ttl = client.access_token_ttl ?? services.config.accessTokenTtl;
  const issued = await services.tokens.issue({ client, subject: client.id, scope, ttl });
  // RFC 6749 §4.4.3: a refresh token SHOULD NOT be included.
  return { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope };
};
