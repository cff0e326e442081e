// The last step of an authorization request the user has approved: a code (RFC 6749 §4.1.2,
// in the query) or, for clients that enable it, an access token (RFC 6749 §4.2.2, in the
// fragment). Implicit-grant tokens are opaque, never expire unless the client sets a lifetime
// (seed 002), and are bound to the user's credential version through their grant.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import type { GrantUser, SignIn } from '../authorizations.ts';
import type { AuthorizationRequest } from './request.ts';
import { replyUrl } from './request.ts';

export async function completeAuthorization(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  authz: AuthorizationRequest,
  user: GrantUser,
  signIn: SignIn,
) {
  const { audit, metrics, config } = services;
  const target = { redirectUri: authz.redirectUri, responseMode: authz.responseMode, state: authz.state };
  const client = authz.client;
  if (authz.responseType === 'code') {
    const code = await services.codes.issue({
      clientId: client.id,
      user,
      redirectUri: authz.redirectUri,
      redirectUriSent: authz.redirectUriSent,
      scope: authz.scope,
      codeChallenge: authz.codeChallenge,
      nonce: authz.openid.nonce,
      authTime: signIn.authTime,
      amr: signIn.amr,
    });
    metrics.authorizationCodes.inc({ event: 'issued' });
    audit.record({
      action: 'authorization_code.issued',
      outcome: 'success',
      actor: user.id,
      clientId: client.id,
      ip: request.ip,
      details: { scope: authz.scope, pkce: authz.codeChallenge !== undefined },
    });
    return reply.redirect(replyUrl(target, config.publicUrl, { code }), 303);
  }
  const ttl = client.access_token_ttl ?? 0;
  const issued = await services.storage.db.transaction().execute(async (trx) => {
    const grant = await services.authorizations.create(trx, { clientId: client.id, user, kind: 'implicit', scope: authz.scope, signIn });
    return services.tokens.issue({ client, subject: user.id, scope: authz.scope, ttl, user, grantId: grant.id, format: 'opaque', db: trx });
  });
  metrics.tokensIssued.inc({ grant: 'implicit' });
  audit.record({
    action: 'token.issued',
    outcome: 'success',
    actor: user.id,
    clientId: client.id,
    ip: request.ip,
    details: { grant_type: 'implicit', scope: authz.scope },
  });
  // Seed 002: <redirect_uri>#access_token=...&token_type=bearer
  return reply.redirect(
    replyUrl(target, config.publicUrl, {
      access_token: issued.token,
      token_type: 'bearer',
      expires_in: issued.expiresIn === undefined ? undefined : String(issued.expiresIn),
      scope: authz.scope || undefined,
    }),
    303,
  );
}
