// RFC 6749 §4.4: the client, authenticated, asks for a token on its own behalf.
import { grantedScope } from '../scope.ts';
import { param } from '../client-auth.ts';
import type { GrantHandler } from './types.ts';

export const clientCredentials: GrantHandler = async ({ client, params, services }) => {
  const scope = grantedScope(param(params, 'scope'), client.scopes);
  const ttl = client.access_token_ttl ?? services.config.accessTokenTtl;
  const issued = await services.tokens.issue({ client, subject: client.id, scope, ttl });
  // RFC 6749 §4.4.3: a refresh token SHOULD NOT be included.
  return { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope };
};
