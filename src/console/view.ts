// What every console page shares: the layout with its navigation and sign-out form, a field
// that can show its own error, errors in words (never JSON), a confirmation step for what cannot
// be undone, a secret shown once with a copy button, and the "next page" link of keyset lists.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleSession } from '../accounts/operator-sessions.ts';
import { AppError } from '../errors.ts';
import { CONSOLE_PATH } from '../http/paths.ts';
import type { Services } from '../services.ts';
import { csrfField, sendPage } from '../ui/forms.ts';
import { html, type Markup } from '../ui/layout.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in console session; the console's onRequest hook sets it (src/console/index.ts). */
    consoleSession: ConsoleSession | null;
  }
  interface FastifyContextConfig {
    /** A console route open without a console session (sign-in, the set-password link). */
    signedOut?: boolean;
  }
}

export const COPY_SCRIPT_PATH = `${CONSOLE_PATH}/assets/copy.js`;
/** The one script of the console (served as a file, so the CSP's script-src 'self' admits it). */
export const COPY_SCRIPT = `document.addEventListener('click', function (event) {
  var button = event.target.closest('button[data-copy]');
  if (!button) return;
  var field = document.getElementById(button.getAttribute('data-copy'));
  if (!field) return;
  field.select();
  navigator.clipboard.writeText(field.value).then(function () { button.textContent = 'Copied'; }, function () { button.textContent = 'Select and copy by hand'; });
});
`;

const STYLE = html`<style>
main{max-width:80rem}#events td:last-child code{word-break:break-all}
nav.console{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;margin:1rem 0 1.5rem}nav.console form{margin-left:auto}
.field-error{border:2px solid #c0392b !important;background:#fdf0ef}.secret{font-family:monospace;width:100%;padding:.5rem;box-sizing:border-box}
.card.wide{max-width:none}.danger{background:#c0392b;color:#fff;border:0}.attention li{margin:.25rem 0}.ok{color:#1e7b3a}
form.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:end;margin-bottom:1rem}form.filters label{display:block;font-size:.9rem}
</style>`;

const SECTIONS: [string, string][] = [
  ['Overview', CONSOLE_PATH],
  ['Clients', `${CONSOLE_PATH}/clients`],
  ['Vendors', `${CONSOLE_PATH}/vendors`],
  ['Organizations', `${CONSOLE_PATH}/organizations`],
  ['Connectors', `${CONSOLE_PATH}/connectors`],
  ['Signing keys', `${CONSOLE_PATH}/keys`],
  ['Audit log', `${CONSOLE_PATH}/audit`],
  ['Operators', `${CONSOLE_PATH}/operators`],
];

export function session(request: FastifyRequest): ConsoleSession {
  // The hook refuses every route but sign-in without a session, so a handler always has one.
  return request.consoleSession!;
}

/** A console page: the navigation, who is signed in and the sign-out form, then `body`. */
export function consolePage(services: Services, request: FastifyRequest, reply: FastifyReply, status: number, title: string, body: Markup): FastifyReply {
  const who = session(request);
  return sendPage(
    reply,
    status,
    `${title} · Console`,
    html`${STYLE}<script src="${COPY_SCRIPT_PATH}" defer></script>
<nav class="console" aria-label="Console">${SECTIONS.map(([label, href]) => html`<a href="${href}">${label}</a>`)}
<form method="post" action="${CONSOLE_PATH}/logout" class="inline"><span class="muted">Signed in as ${who.email ?? 'the admin token'}</span> ${csrfField(request, reply, services)}<button type="submit">Sign out</button></form></nav>
${body}`,
  );
}

/** A page outside the signed-in console (sign-in, set-password): the same style, no navigation. */
export function publicPage(reply: FastifyReply, status: number, title: string, body: Markup): FastifyReply {
  return sendPage(reply, status, `${title} · Console`, html`${STYLE}${body}`);
}

/** What a refused form shows: the message in words, and the field it is about (if it names one). */
export interface Problem {
  status: number;
  message: string;
  field?: string;
}

/**
 * The problem a service reported, for the page to show beside its field (errors.InvalidField
 * says `field: why`; the checks the API routes share say `body/field why`). Anything but a 4xx
 * is rethrown: the error page answers it.
 */
export function problemOf(error: unknown, fields: readonly string[]): Problem {
  if (!(error instanceof AppError) || error.status >= 500) throw error;
  const match = /^([a-z_]+): (.*)$/s.exec(error.message) ?? /^body\/([a-z_]+):? (.*)$/s.exec(error.message);
  if (match && fields.includes(match[1]!)) return { status: error.status, field: match[1], message: `${label(match[1]!)}: ${match[2]}` };
  return { status: error.status, message: sentence(error.message) };
}

const label = (field: string) =>
  field
    .replace(/_/g, ' ')
    .replace(/\b(uris|uri|url|ttl)\b/g, (w) => ({ uris: 'URIs', uri: 'URI', url: 'URL', ttl: 'TTL' })[w]!)
    .replace(/^./, (c) => c.toUpperCase());
const sentence = (text: string) => text.replace(/^./, (c) => c.toUpperCase());

export function problemBanner(problem: Problem | undefined): Markup {
  return problem ? html`<p class="error" role="alert" id="problem">${problem.message}</p>` : html``;
}

/** Attributes of an input that `problem` may be about: highlighted and described by the message. */
export function invalid(problem: Problem | undefined, field: string): Markup {
  return problem?.field === field ? html` class="field-error" aria-invalid="true" aria-describedby="problem"` : html``;
}

/** A secret shown once, read-only, with a copy button. */
export function secretField(id: string, labelText: string, value: string): Markup {
  return html`<label for="${id}">${labelText}</label><input id="${id}" class="secret" readonly value="${value}">
<button type="button" data-copy="${id}">Copy</button>`;
}

/** The "are you sure" step: what the action breaks, and the button that does it. */
export function confirmPage(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  options: { title: string; breaks: Markup | string; action: string; button: string; back: string; extra?: Markup },
): FastifyReply {
  return consolePage(
    services,
    request,
    reply,
    200,
    options.title,
    html`<h1>${options.title}</h1><div class="notice"><p>${options.breaks}</p></div>
<form class="card" method="post" action="${options.action}">${csrfField(request, reply, services)}<input type="hidden" name="confirm" value="yes">
${options.extra}<p><button type="submit" class="danger">${options.button}</button> <a href="${options.back}">Cancel</a></p></form>`,
  );
}

/** The link to the next page of a keyset list, keeping the other query parameters. */
export function nextLink(path: string, query: Record<string, string | undefined>, cursorName: string, cursor: string | undefined): Markup {
  if (!cursor) return html``;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v && k !== cursorName) q.set(k, v);
  q.set(cursorName, cursor);
  return html`<p><a href="${path}?${q.toString()}" rel="next">Next page</a></p>`;
}

/** The form bodies' CSRF field and confirmation, as every console form's schema declares them. */
export const csrf = { type: 'string', maxLength: 100 } as const;
export const confirmed = { type: 'string', enum: ['yes'] } as const;
export const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } } as const;
export const PAGE_SIZE = 50;
