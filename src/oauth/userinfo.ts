// GET and POST /oauth/userinfo (OpenID Connect Core §5.3): the claims about the signed-in user
// that the access token's scopes release, read from the database on every call. The token comes
// as RFC 6750 says (Authorization header, or a form-encoded POST body), and every refusal is the
// RFC 6750 §3 challenge. A token speaks here only for a user who still exists, under a grant that
// is live and made under the user's current password.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { describe } from '../errors.ts';
import { USERINFO_PATH } from '../http/paths.ts';
import { clientLimit, surfaceLimit } from '../ops/rate-limit.ts';
import type { Services } from '../services.ts';
import { BearerGuard, type BearerCaller } from './bearer.ts';
import { isOpenId, userClaims } from './claims.ts';
import { oauthBody, oauthErrorResponse } from './http.ts';

const claimsSchema = {
  type: 'object',
  properties: {
    sub: { type: 'string' },
    name: { type: 'string' },
    given_name: { type: 'string' },
    family_name: { type: 'string' },
    updated_at: { type: 'integer' },
    email: { type: 'string' },
    email_verified: { type: 'boolean' },
    org_id: { type: 'string' },
    org_name: { type: 'string' },
    org_role: { type: 'string' },
  },
  required: ['sub'],
  // Only the claims listed: the serializer drops anything else.
  additionalProperties: false,
};

/**
 * Browser apps call UserInfo from their own origin. It is authenticated by the Bearer token
 * alone, never by cookies, so any origin may read it: `*` without credentials means a browser
 * sends no cookies and the answer is only what the token's holder may read anyway (the same
 * policy as node-oidc-provider's). WWW-Authenticate is exposed so a script can read the error.
 */
const CORS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'WWW-Authenticate' };
const PREFLIGHT = {
  ...CORS,
  'access-control-allow-methods': 'GET, POST',
  'access-control-allow-headers': 'Authorization, Content-Type',
  'access-control-max-age': '600',
};

const cors: onRequestHookHandler = (_request, reply, done) => {
  reply.headers(CORS);
  done();
};

export function userinfoRoute(app: FastifyInstance, services: Services) {
  const { config, authorizations, audit, metrics } = services;
  const guard = new BearerGuard(services.tokens);

  /** The token, whichever way it came (the form body only on POST, RFC 6750 §2.2). */
  const authenticate = async (request: FastifyRequest) => {
    request.bearer = await guard.resolve(request, { methods: { formBody: request.method === 'POST' } });
    request.clientId = request.bearer.clientId;
  };

  /** The token must speak for a user who still holds the credentials it was issued under. */
  const stillTheUsers = async (caller: BearerCaller): Promise<string> => {
    if (caller.userId === undefined) {
      throw guard.refuse(
        'invalid_token',
        'the access token was issued to a client acting for itself (client credentials): UserInfo needs a token a user authorised',
      );
    }
    // Opaque tokens are checked against the user's credential version by inspect() itself.
    if (!caller.opaque && !(await authorizations.jwtLive(caller.token.jti))) {
      throw guard.refuse('invalid_token', "the access token's authorization was revoked or the user's credentials changed: authorise again");
    }
    return caller.userId;
  };

  const answer = async (request: FastifyRequest, reply: FastifyReply) => {
    const caller = request.bearer!;
    const userId = await stillTheUsers(caller);
    // OIDC Core §5.3: the access token must have been obtained through an OpenID Connect request.
    if (!isOpenId(caller.scope))
      throw guard.refuse('insufficient_scope', 'the access token was not issued for OpenID Connect: it needs scope openid', 'openid');
    const claims = await userClaims(services, userId, caller.scope);
    if (!claims) throw guard.refuse('invalid_token', 'the user the access token was issued for no longer exists');
    metrics.userinfo.inc({ outcome: 'answered' });
    // OIDC Core §5.3.2 returns JSON; RFC 6750 §5.3 and RFC 6749 §5.1: no caching of what a token reads.
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return claims;
  };

  const refused = async (request: FastifyRequest, _reply: FastifyReply, error: unknown) => {
    const { status, code } = describe(error, 'oauth');
    // Rate-limited requests are counted in the request metrics only, as on the token endpoint.
    if (status === 429) return;
    metrics.userinfo.inc({ outcome: code });
    audit.record({
      action: 'userinfo.refused',
      outcome: 'failure',
      actor: request.clientId ?? null,
      clientId: request.clientId ?? null,
      ip: request.ip,
      details: { error: code, status },
    });
  };

  const route = {
    config: { audience: 'oauth' as const },
    onRequest: [cors, surfaceLimit(app, config, 'userinfo')],
    // The per-client limit counts the client the token was issued to, known once it is read.
    preHandler: [authenticate, clientLimit(app, config, 'userinfo', (request) => request.clientId ?? 'anonymous')],
    onError: refused,
  };
  const response = { 200: claimsSchema, '4xx': oauthErrorResponse };
  const security = [{ userAccessToken: [] }];
  app.get(USERINFO_PATH, { ...route, schema: { tags: ['oauth'], summary: 'UserInfo (OpenID Connect Core §5.3)', security, response } }, answer);
  app.post(
    USERINFO_PATH,
    {
      ...route,
      // A POST with the token in its header may have no body at all: validate it as an empty form.
      preValidation: async (request: FastifyRequest) => {
        request.body ??= {};
      },
      schema: {
        tags: ['oauth'],
        summary: 'UserInfo (OpenID Connect Core §5.3), token in the header or the form body',
        security,
        consumes: ['application/x-www-form-urlencoded'],
        body: oauthBody(['access_token']),
        response,
      },
    },
    answer,
  );
  // The CORS preflight a browser sends before a call with an Authorization header.
  app.options(
    USERINFO_PATH,
    { config: { audience: 'oauth' as const }, onRequest: surfaceLimit(app, config, 'userinfo'), schema: { hide: true } },
    async (_request, reply) => reply.headers(PREFLIGHT).code(204).send(),
  );
}
