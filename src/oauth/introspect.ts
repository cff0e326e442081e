// POST /oauth/introspect (RFC 7662). Any authenticated confidential client (typically a
// resource server) may ask; the answer is {active: false} for anything not active here.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import { authenticateClient, param, type Params } from './client-auth.ts';
import { oauthBody, oauthConsumes, oauthErrorResponse, rateLimits } from './http.ts';

export function introspectRoute(app: FastifyInstance, services: Services) {
  const limits = rateLimits(app, services, 'introspect');
  app.post('/oauth/introspect', {
    config: { audience: 'oauth' },
    onRequest: limits.perIp,
    preHandler: limits.perClient,
    schema: {
      tags: ['oauth'],
      summary: 'Token introspection (RFC 7662)',
      consumes: oauthConsumes,
      body: oauthBody(['token', 'token_type_hint', 'client_id', 'client_secret']),
      response: {
        200: { type: 'object', properties: { active: { type: 'boolean' } }, required: ['active'], additionalProperties: true },
        '4xx': oauthErrorResponse,
      },
    },
  }, async (request, reply) => {
    const params = (request.body ?? {}) as Params;
    await authenticateClient(request, params, services.clients);
    const token = param(params, 'token');
    if (token === undefined) throw new AppError(400, 'invalid_request', 'token is required');
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    // RFC 7662 §2.2: token_type_hint is only a hint; both kinds are looked up regardless.
    return (await services.tokens.inspect(token)) ?? { active: false };
  });
}
