// POST /oauth/revoke (RFC 7009). Only the client a token was issued to may revoke it.
import type { FastifyInstance } from 'fastify';
import { errors } from '../errors.ts';
import type { Services } from '../services.ts';
import { authenticateClient, param, type Params } from './client-auth.ts';
import { oauthBody, oauthConsumes, oauthErrorResponse, oauthRoute } from './http.ts';
import { REFRESH_PREFIX } from './refresh-tokens.ts';

export function revokeRoute(app: FastifyInstance, services: Services) {
  app.post(
    '/oauth/revoke',
    {
      ...oauthRoute(app, services, 'revoke'),
      schema: {
        tags: ['oauth'],
        summary: 'Token revocation (RFC 7009)',
        consumes: oauthConsumes,
        body: oauthBody(['token', 'token_type_hint', 'client_id', 'client_secret']),
        response: { 200: { type: 'object', additionalProperties: false }, '4xx': oauthErrorResponse },
      },
    },
    async (request) => {
      const params = (request.body ?? {}) as Params;
      const { client } = await authenticateClient(request, params, services.clients, true);
      const token = param(params, 'token');
      if (token === undefined) throw errors.Invalid('token is required');
      const hint = param(params, 'token_type_hint');
      if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
        // RFC 7009 §2.2.1: an unknown hint value.
        throw errors.UnsupportedTokenType(hint);
      }
      if (token.startsWith(REFRESH_PREFIX)) {
        // RFC 7009 §2.1: revoking a refresh token also invalidates the access tokens of its grant.
        const refresh = await services.refreshTokens.find(token);
        if (!refresh || refresh.revoked_at) return {};
        if (refresh.client_id !== client.id) throw errors.UnauthorizedClient('the token was not issued to this client');
        await services.authorizations.revoke(refresh.grant_id, 'client_revoked');
        services.audit.record({
          action: 'token.revoked',
          outcome: 'success',
          actor: client.id,
          clientId: client.id,
          ip: request.ip,
          details: { grant_id: refresh.grant_id, token_type: 'refresh_token' },
        });
        return {};
      }
      const active = await services.tokens.inspect(token);
      // RFC 7009 §2.2: an invalid, expired or already revoked token is answered 200 all the same.
      if (!active) return {};
      // RFC 7009 §2.1: the server verifies the token was issued to the client making the request.
      if (active.client_id !== client.id) throw errors.UnauthorizedClient('the token was not issued to this client');
      await services.tokens.revoke(token, active);
      services.audit.record({
        action: 'token.revoked',
        outcome: 'success',
        actor: client.id,
        clientId: client.id,
        ip: request.ip,
        details: { jti: active.jti },
      });
      return {};
    },
  );
}
