// Pieces shared by the OAuth endpoints: body schemas for the documentation, the RFC error
// response schema, and the per-IP and per-client rate limits.
import type { FastifyInstance, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import { tooManyRequests } from '../ops/rate-limit.ts';
import type { Services } from '../services.ts';
import { decodeBasic } from './client-auth.ts';

/** Body schema: every listed parameter a string when present; unknown ones are ignored (RFC 6749 §3.2). */
export function oauthBody(names: string[]) {
  return {
    type: 'object',
    properties: Object.fromEntries(names.map((n) => [n, { type: 'string' }])),
  };
}

/** Request encodings of the OAuth endpoints, for the documentation: the RFCs' form, and JSON. */
export const oauthConsumes = ['application/x-www-form-urlencoded', 'application/json'];

export const oauthErrorResponse = {
  type: 'object',
  properties: { error: { type: 'string' }, error_description: { type: 'string' } },
  required: ['error'],
};

function clientKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header && /^basic /i.test(header)) {
    // Decoded as authentication decodes it, so no other spelling of an id escapes its limit.
    try {
      return decodeBasic(header)[0] || 'anonymous';
    } catch {
      return 'anonymous';
    }
  }
  const body = request.body as Record<string, unknown> | undefined;
  return typeof body?.client_id === 'string' ? body.client_id : 'anonymous';
}

export function rateLimits(app: FastifyInstance, { config }: Services, group: string) {
  const { perClient, perIp, windowMs } = config.tokenRateLimit;
  // The plugin runs one of its hooks per request, so the per-client limit is checked by hand
  // with a limiter of its own (same store, keys in their own namespace).
  // groupId names the limiter's namespace in the store (the plugin passes it on, its type omits it).
  const clientOptions = { max: perClient, timeWindow: windowMs, groupId: `${group}-client`, keyGenerator: (req: FastifyRequest) => clientKey(req) };
  const clientLimit = app.createRateLimit(clientOptions);
  const perClientHook: preHandlerHookHandler = async (request, reply) => {
    const result = await clientLimit(request);
    if (result.isAllowed || !result.isExceeded) return;
    throw tooManyRequests(request, Math.max(1, result.ttlInSeconds), 'rate limit exceeded for this client');
  };
  return {
    perIp: app.rateLimit({ max: perIp, timeWindow: windowMs, groupId: `${group}-ip`, keyGenerator: (req) => req.ip }) as onRequestHookHandler,
    perClient: perClientHook,
  };
}
