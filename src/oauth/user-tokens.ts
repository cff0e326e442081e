// Minting the tokens of a grant a user gave a client: the access token (JWT or opaque, per
// client), its id recorded under the grant so the grant's revocation reaches it, and a refresh
// token when the client may refresh. Partner platforms (seed 003, client option tenant_scope)
// get the organization id as the response's `scope` and as a claim, with the user's email.
// It happens in two steps, so that spending a code or refresh token and storing what it buys is
// one statement: the values are chosen first (pendingTokens) and their rows written by the
// spending statement (tokenWrites, db/spend-statement.ts); the JWTs are signed once it has succeeded
// (respond). A statement that spends nothing writes nothing.
import { randomUUID } from 'node:crypto';
import { findUser } from '../accounts/users.ts';
import type { Client } from '../clients/clients.ts';
import { randomToken, sha256 } from '../crypto.ts';
import { findOrganization } from '../organizations/organizations.ts';
import type { Services } from '../services.ts';
import { jtiOfGrant, type SignIn } from './authorizations.ts';
import { successorOf } from './refresh-tokens.ts';
import type { Step } from '../db/spend-statement.ts';
import { isOpenId, userClaims } from './claims.ts';
import type { TokenResponse } from './grants/types.ts';
import { OPAQUE_PREFIX, opaqueOfGrant } from './tokens.ts';

interface TokenUser {
  id: string;
  organizationId: string;
  credentialVersion: number;
  email: string;
}

export interface UserTokenRequest {
  grantId: string;
  user: TokenUser;
  /** The access token's scope (RFC 6749 §6: on refresh it may be narrower than the grant's). */
  scope: string;
  /**
   * The sign-in the grant came from, for the ID Token a scope with `openid` gets (OIDC Core
   * §3.1.3.3); the nonce only when redeeming the code (§12.2: a refreshed ID Token has none).
   */
  signIn: (SignIn & { nonce?: string }) | undefined;
}

/** The tokens about to be issued under a grant, chosen before the statement that stores them. */
export interface PendingTokens {
  client: Client;
  ttl: number;
  jti: string;
  /** When the grant_jtis row of a JWT may go: after its `exp` (signed later), with a margin. */
  jtiExpiresAt: Date;
  opaque?: { token: string; hash: string };
  refresh?: { token: string; hash: string; expiresAt: Date };
}

/** Seconds the JWT is signed after its id is stored, at most; its row outlives it by this. */
const SIGNING_MARGIN_SECONDS = 60;

export function pendingTokens(services: Services, client: Client): PendingTokens {
  const ttl = client.access_token_ttl ?? services.config.accessTokenTtl;
  const opaque = client.token_format === 'opaque' ? OPAQUE_PREFIX + randomToken(32) : undefined;
  return {
    client,
    ttl,
    jti: randomUUID(),
    jtiExpiresAt: new Date(Date.now() + (ttl + SIGNING_MARGIN_SECONDS) * 1000),
    opaque: opaque === undefined ? undefined : { token: opaque, hash: sha256(opaque) },
    refresh: client.grant_types.includes('refresh_token') ? services.refreshTokens.fresh() : undefined,
  };
}

/**
 * The rows the pending tokens need, as WITH items selecting from the CTE named `source`, whose
 * one row (or none: then nothing is written) carries the grant's grant_id, user_id,
 * organization_id, credential_version and scope. `accessScope` is the access token's scope when
 * it is narrower than the grant's; a rotated refresh token keeps the grant's (RFC 6749 §6).
 */
export function tokenWrites(pending: PendingTokens, source: string, accessScope?: string): Step[] {
  const clientId = pending.client.id;
  const writes: Step[] = [];
  if (pending.opaque) {
    const expiresAt = pending.ttl > 0 ? new Date(Date.now() + pending.ttl * 1000) : null;
    writes.push(['access_token', opaqueOfGrant(source, { hash: pending.opaque.hash, jti: pending.jti, clientId, scope: accessScope, expiresAt })]);
  } else {
    writes.push(['jti', jtiOfGrant(source, pending.jti, pending.jtiExpiresAt)]);
  }
  if (pending.refresh) writes.push(['refresh_token', successorOf(source, { ...pending.refresh, clientId })]);
  return writes;
}

/** The token response for tokens a statement has stored: the JWTs are signed now. */
export async function respond(services: Services, pending: PendingTokens, req: UserTokenRequest): Promise<TokenResponse> {
  const { client, ttl } = pending;
  const { user, scope, grantId } = req;
  const access = pending.opaque
    ? { token: pending.opaque.token, expiresIn: ttl > 0 ? ttl : undefined }
    : await services.tokens.issue({
        client,
        subject: user.id,
        scope,
        ttl,
        grantId,
        jti: pending.jti,
        format: 'jwt',
        extraClaims: {
          organization_id: user.organizationId,
          ...(client.tenant_scope ? { tenant_id: user.organizationId, email: user.email } : {}),
        },
      });
  const body: TokenResponse = {
    access_token: access.token,
    token_type: 'Bearer',
    ...(access.expiresIn !== undefined ? { expires_in: access.expiresIn } : {}),
    // Seed 003: "scope" – <partnerTenantID>.
    scope: client.tenant_scope ? user.organizationId : scope,
  };
  if (pending.refresh) body.refresh_token = pending.refresh.token;
  if (isOpenId(scope) && req.signIn) {
    // Read once the checks have passed, so the claims are those of the user they passed for.
    const db = services.storage.db;
    const claims = await userClaims({ users: { find: (id) => findUser(db, id) }, organizations: { find: (id) => findOrganization(db, id) } }, user.id, scope);
    if (claims) {
      body.id_token = await services.idTokens.issue({
        clientId: client.id,
        userId: user.id,
        authTime: req.signIn.authTime,
        amr: req.signIn.amr,
        nonce: req.signIn.nonce,
        accessToken: access.token,
        claims,
      });
    }
  }
  return body;
}
