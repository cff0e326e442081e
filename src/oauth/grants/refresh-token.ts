// RFC 6749 §6: refresh. The presented token is spent by one conditional update and replaced
// (rotation, RFC 9700 §4.14.2). Presenting a token spent before the request arrived means it
// leaked: the whole family (the grant) is revoked, unless it comes within the configured grace
// window (off by default). Concurrent refreshes of one token (spent while the others were in
// flight): one wins, the rest are invalid_grant without revoking anything, and never a 5xx.
import type { Kysely } from 'kysely';
import type { Client } from '../../clients/clients.ts';
import { transact } from '../../db/retry.ts';
import type { Database } from '../../db/schema.ts';
import { errors } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { param } from '../client-auth.ts';
import { recordedSignIn } from '../authorizations.ts';
import type { RefreshToken } from '../refresh-tokens.ts';
import { scopeWithin } from '../scope.ts';
import { issueUserTokens } from '../user-tokens.ts';
import type { GrantHandler, TokenResponse } from './types.ts';

const invalidGrant = (message: string) => errors.InvalidGrant(message);

/** Mint the next tokens of the family, if the grant and its user are still good. */
async function next(services: Services, trx: Kysely<Database>, client: Client, spent: RefreshToken, requested: string | undefined): Promise<TokenResponse> {
  const grant = await services.authorizations.withUser(trx, spent.grant_id);
  if (!grant || grant.revoked_at) throw invalidGrant('the refresh token has been revoked');
  if (grant.credential_version !== grant.user_version) throw invalidGrant("the user's credentials changed: authorise again");
  // RFC 6749 §6: a narrower scope may be asked for, never a wider one.
  const scope = requested === undefined ? spent.scope : scopeWithin(requested, spent.scope);
  return issueUserTokens(services, trx, {
    client,
    grantId: grant.id,
    scope,
    refreshScope: spent.scope,
    user: { id: grant.user_id, organizationId: grant.organization_id, credentialVersion: grant.user_version, email: grant.email },
    // OIDC Core §12.2: a refreshed ID Token repeats the original auth_time and carries no nonce.
    signIn: recordedSignIn(grant),
  });
}

export const refreshToken: GrantHandler = async ({ request, params, client, services, receivedAt }) => {
  const token = param(params, 'refresh_token');
  if (token === undefined) throw errors.Invalid('refresh_token is required');
  const requested = param(params, 'scope');
  const { audit, metrics, config } = services;
  const outcome = await transact(services.storage.db, async (trx) => {
    const spent = await services.refreshTokens.spend(trx, token, client.id);
    if (!spent.ok) return spent;
    return { ok: true as const, token: spent.token, body: await next(services, trx, client, spent.token, requested) };
  });
  const record = (action: string, ok: boolean, grantId: string, extra: Record<string, unknown> = {}) =>
    audit.record({
      action,
      outcome: ok ? 'success' : 'failure',
      actor: client.id,
      clientId: client.id,
      ip: request.ip,
      details: { grant_id: grantId, ...extra },
    });
  if (outcome.ok) {
    metrics.refreshTokens.inc({ event: 'rotated' });
    record('refresh_token.rotated', true, outcome.token.grant_id);
    return outcome.body;
  }
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
    const body = await transact(services.storage.db, (trx) => next(services, trx, client, spent, requested));
    metrics.refreshTokens.inc({ event: 'grace' });
    record('refresh_token.reused_within_grace', true, spent.grant_id, { since_use_ms: sinceUse });
    return body;
  }
  // RFC 9700 §4.14.2: reuse of a rotated token revokes the active refresh token (the family).
  const revoked = await services.authorizations.revoke(spent.grant_id, 'refresh_token_reused');
  metrics.refreshTokens.inc({ event: 'reused' });
  record('refresh_token.reused', false, spent.grant_id, { family_revoked: revoked });
  throw invalidGrant('the refresh token has already been used; every token of this grant has been revoked');
};
