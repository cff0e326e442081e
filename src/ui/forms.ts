// Helpers for pages with forms: the CSRF field, HTML replies, and widening the page's
// form-action when a form's answer redirects to a client. Browsers apply form-action to every
// redirect that follows a form submission, so a consent page whose answer goes to
// https://app.example/cb must allow that origin (and nothing else).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_FIELD, csrfToken } from '../accounts/csrf.ts';
import type { Services } from '../services.ts';
import { html, page, type Markup } from './layout.ts';

export function csrfField(request: FastifyRequest, reply: FastifyReply, services: Services): Markup {
  const token = csrfToken(request, reply, services.config.publicUrl.startsWith('https:') || request.protocol === 'https');
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

/**
 * The account's email in a hidden field, so a password manager files the new password under the
 * right account (it reads the field next to the password fields). Browsers submit it with the
 * form; the routes accept it and ignore it: the account is the session's or the link's, never
 * what the form says.
 */
export function usernameHint(email: string): Markup {
  return html`<input type="email" name="username" autocomplete="username" value="${email}" hidden>`;
}

/** The body schema of that field, for every route whose form carries it. */
export const PASSWORD_MANAGER_HINT = { type: 'string', maxLength: 320 } as const;

export function sendPage(reply: FastifyReply, status: number, title: string, body: Markup): FastifyReply {
  return reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page(title, body));
}

/** The CSP source naming where a URI points: its origin, or its scheme for private-use schemes. */
function cspSource(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    if (url.origin !== 'null') return url.origin;
    return /^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) ? url.protocol : undefined;
  } catch {
    return undefined;
  }
}

export function allowFormTargets(reply: FastifyReply, uris: string[]): void {
  const csp = reply.getHeader('content-security-policy');
  const sources = [...new Set(uris.map(cspSource).filter((s): s is string => s !== undefined))];
  if (typeof csp !== 'string' || sources.length === 0) return;
  reply.header('content-security-policy', csp.replace("form-action 'self'", `form-action 'self' ${sources.join(' ')}`));
}
