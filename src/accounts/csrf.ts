// CSRF protection for every form: a random value in an httpOnly cookie, and in each form a token
// derived from it and from the browser session (when there is one). A cross-site page can make
// the browser send the cookie but can neither read it nor compute the token. SameSite=Lax on
// both cookies is the second line.
import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual } from '../crypto.ts';
import { errors } from '../errors.ts';
import { SESSION_COOKIE } from './sessions.ts';
import { CONSOLE_COOKIE } from './operator-sessions.ts';

const CSRF_COOKIE = 'gh_csrf';
export const CSRF_FIELD = 'csrf';

function derive(secret: string, request: FastifyRequest): string {
  // A console session (its cookie is sent under /console only) is bound in as well.
  const console = request.cookies?.[CONSOLE_COOKIE];
  return createHmac('sha256', secret)
    .update(`csrf:${request.cookies?.[SESSION_COOKIE] ?? ''}${console ? `:console:${console}` : ''}`)
    .digest('base64url');
}

/** The token to put in a form, setting the cookie first if the browser has none. */
export function csrfToken(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  let secret = request.cookies?.[CSRF_COOKIE];
  if (!secret || !/^[A-Za-z0-9_-]{43}$/.test(secret)) {
    secret = randomBytes(32).toString('base64url');
    reply.setCookie(CSRF_COOKIE, secret, { path: '/', httpOnly: true, sameSite: 'lax', secure });
    // The request is about to render a form: later reads in this request see the new value.
    (request.cookies as Record<string, string>)[CSRF_COOKIE] = secret;
  }
  return derive(secret, request);
}

/** Refuse a form post whose token does not match this browser. */
export function checkCsrf(request: FastifyRequest, submitted: unknown): void {
  const secret = request.cookies?.[CSRF_COOKIE];
  if (!secret || typeof submitted !== 'string' || !safeEqual(derive(secret, request), submitted)) {
    throw errors.CsrfFailed();
  }
}
