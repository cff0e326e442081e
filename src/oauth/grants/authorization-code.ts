// RFC 6749 §4.1.3: exchange an authorization code. One statement spends the code if it belongs
// to this client, matches the redirect URI and the PKCE verifier, and its user is still who they
// were, and in the same breath records the grant and stores the tokens it buys; a failed check
// spends nothing, and of two racing redemptions one wins and the other finds the code used.
// Only then are the JWTs signed. Why a code was refused is read afterwards, off the common path.
import { findUser } from '../../accounts/users.ts';
import type { Client } from '../../clients/clients.ts';
import { errors } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { param } from '../client-auth.ts';
import { recordedSignIn } from '../authorizations.ts';
import { REDEEMED, type AuthorizationCode } from '../codes.ts';
import { s256, VERIFIER, verifies } from '../pkce.ts';
import { pendingTokens, respond, tokenWrites } from '../user-tokens.ts';
import type { GrantHandler } from './types.ts';

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

/** Why a live code was not spent: the binding, or a credential change since it was issued. */
async function refusal(
  services: Services,
  code: AuthorizationCode,
  client: Client,
  redirectUri: string | undefined,
  verifier: string | undefined,
): Promise<never> {
  checkBinding(code, client, redirectUri, verifier);
  const user = await findUser(services.storage.db, code.user_id);
  if (!user || user.credential_version !== code.credential_version) {
    throw invalidGrant("the user's credentials changed after the code was issued: authorise again");
  }
  throw invalidGrant('the authorization code is not valid');
}

export const authorizationCode: GrantHandler = async ({ request, params, client, services }) => {
  const value = param(params, 'code');
  if (value === undefined) throw errors.Invalid('code is required');
  const redirectUri = param(params, 'redirect_uri');
  const verifier = param(params, 'code_verifier');
  if (verifier !== undefined && !VERIFIER.test(verifier)) {
    throw errors.Invalid('code_verifier must be 43 to 128 characters from A-Z a-z 0-9 - . _ ~');
  }
  const { audit, metrics } = services;
  const pending = pendingTokens(services, client);
  const binding = { clientId: client.id, redirectUri, challenge: verifier === undefined ? undefined : s256(verifier) };
  const code = await services.codes.exchange(value, binding, tokenWrites(pending, REDEEMED));
  if (code) {
    const signIn = recordedSignIn(code);
    // OIDC Core §3.1.3.6: the nonce of the authorization request goes into this ID Token.
    const body = await respond(services, pending, {
      grantId: code.grant_id,
      user: { id: code.user_id, organizationId: code.organization_id, credentialVersion: code.credential_version, email: code.email },
      scope: code.scope,
      signIn: signIn && { ...signIn, nonce: code.nonce ?? undefined },
    });
    metrics.authorizationCodes.inc({ event: 'redeemed' });
    audit.record({
      action: 'authorization_code.redeemed',
      outcome: 'success',
      actor: code.user_id,
      clientId: client.id,
      ip: request.ip,
      details: { grant_id: code.grant_id },
    });
    return body;
  }
  const outcome = await services.codes.diagnose(value);
  if (outcome.reason === 'refused') return refusal(services, outcome.code, client, redirectUri, verifier);
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
