// Minting the tokens of a grant a user gave a client: the access token (JWT or opaque, per
// client), its id recorded under the grant so the grant's revocation reaches it, and a refresh
// token when the client may refresh. Partner platforms (seed 003, client option tenant_scope)
// get the organization id as the response's `scope` and as a claim, with the user's email.
import type { Kysely } from 'kysely';
import { findUser } from '../accounts/users.ts';
import type { Client } from '../clients/clients.ts';
import type { Database } from '../db/schema.ts';
import { findOrganization } from '../organizations/organizations.ts';
import type { Services } from '../services.ts';
import type { SignIn } from './authorizations.ts';
import { isOpenId, userClaims } from './claims.ts';
import type { TokenResponse } from './grants/types.ts';

interface TokenUser {
  id: string;
  organizationId: string;
  credentialVersion: number;
  email: string;
}

export interface UserTokenRequest {
  client: Client;
  grantId: string;
  user: TokenUser;
  scope: string;
  /** RFC 6749 §6: a rotated refresh token keeps the scope of the one it replaces. */
  refreshScope?: string;
  /**
   * The sign-in the grant came from, for the ID Token a scope with `openid` gets (OIDC Core
   * §3.1.3.3); the nonce only when redeeming the code (§12.2: a refreshed ID Token has none).
   */
  signIn: (SignIn & { nonce?: string }) | undefined;
}

function accessTokenTtl(client: Client, services: Services): number {
  return client.access_token_ttl ?? services.config.accessTokenTtl;
}

export async function issueUserTokens(services: Services, trx: Kysely<Database>, req: UserTokenRequest): Promise<TokenResponse> {
  const { client, user, scope, grantId } = req;
  const ttl = accessTokenTtl(client, services);
  const issued = await services.tokens.issue({
    client,
    subject: user.id,
    scope,
    ttl,
    grantId,
    db: trx,
    user: { id: user.id, organizationId: user.organizationId, credentialVersion: user.credentialVersion },
    extraClaims: {
      organization_id: user.organizationId,
      ...(client.tenant_scope ? { tenant_id: user.organizationId, email: user.email } : {}),
    },
  });
  if (client.token_format === 'jwt') {
    await services.authorizations.recordJti(trx, grantId, issued.jti, new Date(Date.now() + ttl * 1000));
  }
  const body: TokenResponse = {
    access_token: issued.token,
    token_type: 'Bearer',
    ...(issued.expiresIn !== undefined ? { expires_in: issued.expiresIn } : {}),
    // Seed 003: "scope" – <partnerTenantID>.
    scope: client.tenant_scope ? user.organizationId : scope,
  };
  if (client.grant_types.includes('refresh_token')) {
    body.refresh_token = await services.refreshTokens.issue(trx, { grantId, clientId: client.id, scope: req.refreshScope ?? scope });
  }
  if (isOpenId(scope) && req.signIn) {
    // Read in the grant's transaction: the claims are those of the user the checks just passed.
    const claims = await userClaims({ users: { find: (id) => findUser(trx, id) }, organizations: { find: (id) => findOrganization(trx, id) } }, user.id, scope);
    if (claims) {
      body.id_token = await services.idTokens.issue({
        clientId: client.id,
        userId: user.id,
        authTime: req.signIn.authTime,
        amr: req.signIn.amr,
        nonce: req.signIn.nonce,
        accessToken: issued.token,
        claims,
      });
    }
  }
  return body;
}
