// RFC 6749 §6: refresh. One statement spends the presented token (a conditional update) and
// stores its replacement (rotation, RFC 9700 §4.14.2) and the new access token's id, if the
// grant and its user are still good; then the JWT is signed. Presenting a token spent before the
// request arrived means it leaked: the whole family (the grant) is revoked, unless it comes
// within the configured grace window (off by default). Concurrent refreshes of one token (spent
// while the others were in flight): one wins, the rest are invalid_grant without revoking
// anything, and never a 5xx. Why a token was refused is read afterwards, off the common path.
import type { Client } from '../../clients/clients.ts';
import { errors } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { param } from '../client-auth.ts';
import { recordedSignIn } from '../authorizations.ts';
import { SPENT, type RefreshToken, type Rotated } from '../refresh-tokens.ts';
import { requestedScopes, scopeWithin } from '../scope.ts';
import { pendingTokens, respond, tokenWrites } from '../user-tokens.ts';
import type { GrantHandler, TokenResponse } from './types.ts';

const invalidGrant = (message: string) => errors.InvalidGrant(message);

/** Spend the token (or, in the grace window, branch from it) and mint the next tokens of the family. */
async function next(
  services: Services,
  client: Client,
  token: string,
  requested: string | undefined,
  mode: 'rotate' | 'branch',
): Promise<{ body: TokenResponse; grantId: string } | undefined> {
  // RFC 6749 §6: a narrower scope may be asked for, never a wider one (checked in the statement).
  const narrowed = requested === undefined ? undefined : requestedScopes(requested);
  if (narrowed?.length === 0) return undefined; // refused below with scopeWithin's reason
  const pending = pendingTokens(services, client);
  const writes = tokenWrites(pending, SPENT, narrowed?.join(' '));
  const store = services.refreshTokens;
  const spent: Rotated | undefined = await (mode === 'rotate'
    ? store.rotate(token, client.id, narrowed, writes)
    : store.branch(token, client.id, narrowed, writes));
  if (!spent) return undefined;
  const body = await respond(services, pending, {
    grantId: spent.grant_id,
    scope: narrowed?.join(' ') ?? spent.scope,
    user: { id: spent.user_id, organizationId: spent.organization_id, credentialVersion: spent.credential_version, email: spent.email },
    // OIDC Core §12.2: a refreshed ID Token repeats the original auth_time and carries no nonce.
    signIn: recordedSignIn(spent),
  });
  return { body, grantId: spent.grant_id };
}

/** Why a live token's family could not go on: its grant, its user or the scope asked for. */
async function refusal(services: Services, token: RefreshToken, requested: string | undefined): Promise<never> {
  const grant = await services.authorizations.withUser(services.storage.db, token.grant_id);
  if (!grant || grant.revoked_at) throw invalidGrant('the refresh token has been revoked');
  if (grant.credential_version !== grant.user_version) throw invalidGrant("the user's credentials changed: authorise again");
  if (requested !== undefined) scopeWithin(requested, token.scope);
  throw invalidGrant('the refresh token is not valid');
}

export const refreshToken: GrantHandler = async ({ request, params, client, services, receivedAt }) => {
  const token = param(params, 'refresh_token');
  if (token === undefined) throw errors.Invalid('refresh_token is required');
  const requested = param(params, 'scope');
  const { audit, metrics, config } = services;
  const record = (action: string, ok: boolean, grantId: string, extra: Record<string, unknown> = {}) =>
    audit.record({
      action,
      outcome: ok ? 'success' : 'failure',
      actor: client.id,
      clientId: client.id,
      ip: request.ip,
      details: { grant_id: grantId, ...extra },
    });
  const rotated = await next(services, client, token, requested, 'rotate');
  if (rotated) {
    metrics.refreshTokens.inc({ event: 'rotated' });
    record('refresh_token.rotated', true, rotated.grantId);
    return rotated.body;
  }
  const outcome = await services.refreshTokens.diagnose(token, client.id);
  if (outcome.reason === 'refused') return refusal(services, outcome.token, requested);
  if (outcome.reason !== 'used') {
    throw invalidGrant(
      outcome.reason === 'expired'
        ? 'the refresh token has expired'
        : outcome.reason === 'revoked'
          ? 'the refresh token has been revoked'
          : 'the refresh token is not valid',
    );
  }
  const spent = outcome.token;
  const usedAt = spent.used_at!.getTime();
  if (usedAt >= Math.floor(receivedAt)) {
    // Spent by a request that was still running when this one arrived: the client raced itself
    // (several refreshes at once), it did not present a token already rotated away. RFC 9700
    // §4.14.2 revokes on reuse of an invalidated token; this one was valid when it was sent, so
    // the loser is refused and the winner's family lives on.
    metrics.refreshTokens.inc({ event: 'raced' });
    record('refresh_token.raced', false, spent.grant_id);
    throw invalidGrant('the refresh token was used by a concurrent request; use the refresh token that request received');
  }
  const sinceUse = Date.now() - usedAt;
  if (config.refreshReuseGrace > 0 && sinceUse <= config.refreshReuseGrace * 1000) {
    // Within the grace window a client that lost the response may try again: the family gets
    // another branch instead of being revoked.
    const branched = await next(services, client, token, requested, 'branch');
    if (!branched) return refusal(services, spent, requested);
    metrics.refreshTokens.inc({ event: 'grace' });
    record('refresh_token.reused_within_grace', true, spent.grant_id, { since_use_ms: sinceUse });
    return branched.body;
  }
  // RFC 9700 §4.14.2: reuse of a rotated token revokes the active refresh token (the family).
  const revoked = await services.authorizations.revoke(spent.grant_id, 'refresh_token_reused');
  metrics.refreshTokens.inc({ event: 'reused' });
  record('refresh_token.reused', false, spent.grant_id, { family_revoked: revoked });
  throw invalidGrant('the refresh token has already been used; every token of this grant has been revoked');
};
