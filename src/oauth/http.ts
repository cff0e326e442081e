// Pieces shared by the OAuth endpoints: body schemas for the documentation, the RFC error
// response schema, and the per-IP and per-client rate limits.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { clientLimit, surfaceLimit } from '../ops/rate-limit.ts';
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

/** Route options every OAuth endpoint shares: its audience, and its limits per client address and per client id. */
export function oauthRoute(app: FastifyInstance, { config }: Services, endpoint: 'token' | 'introspect' | 'revoke') {
  return {
    config: { audience: 'oauth' as const },
    onRequest: surfaceLimit(app, config, endpoint),
    preHandler: clientLimit(app, config, endpoint, clientKey),
  };
}
