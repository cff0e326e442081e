// Pieces shared by the OAuth endpoints: body schemas for the documentation, the RFC error
// response schema, and the per-IP and per-client rate limits.
import type { FastifyInstance, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import { AppError } from '../errors.ts';
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
  const errorResponseBuilder = (_req: FastifyRequest, ctx: { after: string }) =>
    new AppError(429, 'too_many_requests', `rate limit exceeded, retry in ${ctx.after}`);
  // The plugin runs one of its hooks per request, so the per-client limit is checked by hand
  // with a limiter of its own (same store, keys in their own namespace).
  const clientLimit = app.createRateLimit({ max: perClient, timeWindow: windowMs, keyGenerator: (req) => `${group}:client:${clientKey(req)}` });
  const perClientHook: preHandlerHookHandler = async (request, reply) => {
    const result = await clientLimit(request);
    if (result.isAllowed || !result.isExceeded) return;
    reply.header('retry-after', String(result.ttlInSeconds));
    throw new AppError(429, 'too_many_requests', `rate limit exceeded for this client, retry in ${result.ttlInSeconds} s`);
  };
  return {
    perIp: app.rateLimit({ max: perIp, timeWindow: windowMs, keyGenerator: (req) => `${group}:ip:${req.ip}`, errorResponseBuilder }) as onRequestHookHandler,
    perClient: perClientHook,
  };
}
