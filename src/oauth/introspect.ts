// POST /oauth/introspect (RFC 7662). Any authenticated confidential client may ask about the
// tokens issued to it or meant for it; a resource server that must read every client's tokens
// is given the `introspect` permission. Anything else, like anything not active here, is
// {active: false}.
import type { FastifyInstance } from 'fastify';
import { errors } from '../errors.ts';
import type { Client } from '../clients/clients.ts';
import type { Services } from '../services.ts';
import type { ActiveToken } from './tokens.ts';
import { authenticateClient, param, type Params } from './client-auth.ts';
import { oauthBody, oauthConsumes, oauthErrorResponse, oauthRoute } from './http.ts';

/**
 * RFC 7662 §4: the server should check the caller may see the token (§2.1: "tokens issued to
 * it or whose audience it is"), else a client could probe other clients' tokens. A refusal looks
 * exactly like an inactive token, so it reveals nothing either.
 */
function mayInspect(client: Client, token: ActiveToken): boolean {
  if (client.introspect || token.client_id === client.id) return true;
  const audience = token.aud === undefined ? [] : Array.isArray(token.aud) ? token.aud : [token.aud];
  return audience.includes(client.id);
}

export function introspectRoute(app: FastifyInstance, services: Services) {
  app.post(
    '/oauth/introspect',
    {
      ...oauthRoute(app, services, 'introspect'),
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
    },
    async (request, reply) => {
      const params = (request.body ?? {}) as Params;
      const { client } = await authenticateClient(request, params, services.clients);
      const token = param(params, 'token');
      if (token === undefined) throw errors.Invalid('token is required');
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      // RFC 7662 §2.2: token_type_hint is only a hint; both kinds are looked up regardless.
      const active = await services.tokens.inspect(token);
      if (!active || !mayInspect(client, active)) return { active: false };
      return active;
    },
  );
}
