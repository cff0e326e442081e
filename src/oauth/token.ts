// POST /oauth/token (RFC 6749 §3.2). An ordered list of steps: read the parameters, check the
// grant type, authenticate the client, check the client may use the grant (and is not a
// disabled vendor's), run the grant.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { describe, errors } from '../errors.ts';
import type { Services } from '../services.ts';
import { authenticateClient, param, type Params } from './client-auth.ts';
import { clientCredentials } from './grants/client-credentials.ts';
import { authorizationCode } from './grants/authorization-code.ts';
import { refreshToken } from './grants/refresh-token.ts';
import type { GrantHandler } from './grants/types.ts';
import { oauthBody, oauthConsumes, oauthErrorResponse, oauthRoute } from './http.ts';

/** Grant handlers by grant_type. Later grants register here. */
export const grants = new Map<string, GrantHandler>([
  ['client_credentials', clientCredentials],
  ['authorization_code', authorizationCode],
  ['refresh_token', refreshToken],
]);

const tokenResponseSchema = {
  type: 'object',
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string' },
    expires_in: { type: 'integer' },
    scope: { type: 'string' },
    refresh_token: { type: 'string' },
  },
  additionalProperties: true,
};

export function tokenRoute(app: FastifyInstance, services: Services) {
  const { clients, audit, metrics } = services;
  app.post(
    '/oauth/token',
    {
      ...oauthRoute(app, services, 'token'),
      // Every refusal is audited, including those decided before the handler runs: a body that
      // does not parse, is too large or fails the schema.
      onError: async (request, _reply, error) => refused(request, services, error),
      schema: {
        tags: ['oauth'],
        summary: 'Token endpoint (RFC 6749 §3.2)',
        consumes: oauthConsumes,
        body: oauthBody(['grant_type', 'scope', 'client_id', 'client_secret', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'state']),
        response: { 200: tokenResponseSchema, '4xx': oauthErrorResponse },
      },
    },
    async (request, reply) => {
      const params = (request.body ?? {}) as Params;
      const grantType = param(params, 'grant_type');
      if (grantType === undefined) throw errors.Invalid('grant_type is required');
      const grant = grants.get(grantType);
      if (!grant) throw errors.UnsupportedGrantType(grantType);
      const { client } = await authenticateClient(request, params, clients, grantType !== 'client_credentials');
      if (!client.grant_types.includes(grantType)) {
        throw errors.UnauthorizedClient(`this client may not use the ${grantType} grant`);
      }
      // RFC 6749 §5.2 unauthorized_client: authenticated, but not authorized to obtain tokens.
      // Every use of a disabled vendor's token is refused; it gets none to begin with.
      if ((await services.vendors.findByClient(client.id))?.disabled_at) {
        throw errors.UnauthorizedClient('this client belongs to a disabled vendor');
      }
      const body = await grant({ request, params, client, services, receivedAt: Date.now() - reply.elapsedTime });
      metrics.tokensIssued.inc({ grant: grantType });
      audit.record({
        action: 'token.issued',
        outcome: 'success',
        actor: client.id,
        clientId: client.id,
        ip: request.ip,
        details: { grant_type: grantType, scope: body.scope },
      });
      // RFC 6749 §5.1: responses carrying tokens must not be cached.
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return body;
    },
  );
}

function refused(request: FastifyRequest, { audit }: Services, error: unknown) {
  const { status, code } = describe(error, 'oauth');
  // Rate-limited requests are counted in the metrics only, so a flood cannot grow the audit table.
  if (status === 429) return;
  const grantType = (request.body as Params | undefined)?.grant_type;
  audit.record({
    action: 'token.refused',
    outcome: 'failure',
    actor: request.clientId ?? null,
    clientId: request.clientId ?? null,
    ip: request.ip,
    details: { grant_type: typeof grantType === 'string' ? grantType : null, error: code },
  });
}
