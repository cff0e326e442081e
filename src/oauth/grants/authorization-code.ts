// RFC 6749 §4.1.3: exchange an authorization code. Find the code and spend it (atomically),
// check it belongs to this client, the redirect URI and the PKCE verifier, check the user is
// still who they were, record the grant, mint the tokens: all in one transaction, so a failed
// check leaves the code unspent and a racing second redemption waits for this one to commit.
import type { Kysely } from 'kysely';
import { findUser } from '../../accounts/users.ts';
import type { Client } from '../../clients/clients.ts';
import { transact } from '../../db/retry.ts';
import type { Database } from '../../db/schema.ts';
import { errors } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { param } from '../client-auth.ts';
import { recordedSignIn } from '../authorizations.ts';
import type { AuthorizationCode } from '../codes.ts';
import { VERIFIER, verifies } from '../pkce.ts';
import { issueUserTokens } from '../user-tokens.ts';
import type { GrantHandler, TokenResponse } from './types.ts';

const invalidGrant = (message: string) => errors.InvalidGrant(message);

function checkBinding(code: AuthorizationCode, client: Client, redirectUri: string | undefined, verifier: string | undefined) {
  if (code.client_id !== client.id) throw invalidGrant('the authorization code was not issued to this client');
  // RFC 6749 §4.1.3: redirect_uri is required if it was in the authorization request, and identical.
  if (code.redirect_uri_sent && redirectUri === undefined) throw invalidGrant('redirect_uri is required: it was sent with the authorization request');
  if (redirectUri !== undefined && redirectUri !== code.redirect_uri) throw invalidGrant('redirect_uri does not match the authorization request');
  if (code.code_challenge === null) {
    // RFC 9700 §2.1.1 and §4.8.2: a verifier without a challenge is a PKCE downgrade attempt.
    if (verifier !== undefined) throw invalidGrant('code_verifier was sent but the authorization request had no code_challenge');
    return;
  }
  if (verifier === undefined) throw invalidGrant('code_verifier is required: the authorization request had a code_challenge');
  if (!verifies(verifier, code.code_challenge)) throw invalidGrant('code_verifier does not match the code_challenge');
}

async function exchange(services: Services, trx: Kysely<Database>, code: AuthorizationCode, client: Client): Promise<TokenResponse> {
  const user = await findUser(trx, code.user_id);
  if (!user || user.credential_version !== code.credential_version) {
    throw invalidGrant("the user's credentials changed after the code was issued: authorise again");
  }
  const tokenUser = { id: user.id, organizationId: user.organization_id, credentialVersion: user.credential_version, email: user.email };
  const signIn = recordedSignIn(code);
  await services.authorizations.create(trx, { id: code.grant_id, clientId: client.id, user: tokenUser, kind: 'authorization_code', scope: code.scope, signIn });
  // OIDC Core §3.1.3.6: the nonce of the authorization request goes into this ID Token.
  return issueUserTokens(services, trx, {
    client,
    grantId: code.grant_id,
    user: tokenUser,
    scope: code.scope,
    signIn: signIn && { ...signIn, nonce: code.nonce ?? undefined },
  });
}

export const authorizationCode: GrantHandler = async ({ request, params, client, services }) => {
  const code = param(params, 'code');
  if (code === undefined) throw errors.Invalid('code is required');
  const redirectUri = param(params, 'redirect_uri');
  const verifier = param(params, 'code_verifier');
  if (verifier !== undefined && !VERIFIER.test(verifier)) {
    throw errors.Invalid('code_verifier must be 43 to 128 characters from A-Z a-z 0-9 - . _ ~');
  }
  const outcome = await transact(services.storage.db, async (trx) => {
    const redeemed = await services.codes.redeem(trx, code);
    if (!redeemed.ok) return redeemed;
    checkBinding(redeemed.code, client, redirectUri, verifier);
    return { ok: true as const, code: redeemed.code, body: await exchange(services, trx, redeemed.code, client) };
  });
  const { audit, metrics } = services;
  if (outcome.ok) {
    metrics.authorizationCodes.inc({ event: 'redeemed' });
    audit.record({
      action: 'authorization_code.redeemed',
      outcome: 'success',
      actor: outcome.code.user_id,
      clientId: client.id,
      ip: request.ip,
      details: { grant_id: outcome.code.grant_id },
    });
    return outcome.body;
  }
  if (outcome.reason === 'used') {
    // RFC 6749 §4.1.2 and RFC 9700 §4.2.4: a code used twice is denied, and every token issued
    // from its first use is revoked: one of the two parties holding it is an attacker.
    const revoked = await services.authorizations.revoke(outcome.code.grant_id, 'authorization_code_replayed');
    metrics.authorizationCodes.inc({ event: 'replayed' });
    audit.record({
      action: 'authorization_code.replayed',
      outcome: 'failure',
      actor: outcome.code.user_id,
      clientId: client.id,
      ip: request.ip,
      details: { grant_id: outcome.code.grant_id, issued_to: outcome.code.client_id, tokens_revoked: revoked },
    });
    throw invalidGrant('the authorization code has already been used; the tokens issued with it have been revoked');
  }
  throw invalidGrant(outcome.reason === 'expired' ? 'the authorization code has expired' : 'the authorization code is not valid');
};
