// The cookie that binds a browser authorization to the browser that started it (RFC 9700
// §4.7.1): set by the connect page and form, read by the callback.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../../crypto.ts';
import type { Services } from '../../services.ts';
import { REDIRECT_PATH, STATE_TTL_SECONDS } from '../authorization.ts';

export const BINDING_COOKIE = 'gh_connect';

/** This browser's binding value: kept across attempts, so two tabs connecting at once both work. */
export function binding(services: Services, request: FastifyRequest, reply: FastifyReply): string {
  const existing = request.cookies?.[BINDING_COOKIE];
  const value = existing && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : randomToken(32);
  reply.setCookie(BINDING_COOKIE, value, {
    path: REDIRECT_PATH,
    httpOnly: true,
    sameSite: 'lax',
    secure: services.config.publicUrl.startsWith('https:'),
    maxAge: STATE_TTL_SECONDS,
  });
  return value;
}
