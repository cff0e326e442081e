// GET and POST /login: email and password. One message for every failure ("incorrect email or
// password"), whether or not the account exists; throttled per account and address pair, per
// address and per account (429 with Retry-After, and the wait in words). On success a browser session starts and the user goes
// back to where they were heading: an authorization request, or the dashboard.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../http/route-types.ts';
import { checkCsrf } from '../accounts/csrf.ts';
import { identifyClient } from '../oauth/authorize/request.ts';
import type { Services } from '../services.ts';
import { AUTHORIZE_PATH, DASHBOARD_PATH, LOGIN_PATH } from '../http/paths.ts';
import { html } from './layout.ts';
import { allowFormTargets, csrfField, sendPage } from './forms.ts';
import { waitInWords } from './wait.ts';

/** Only our own authorization endpoint or the dashboard: never an open redirect. */
function safeReturn(value: unknown): string {
  if (typeof value === 'string' && value.startsWith(`${AUTHORIZE_PATH}?`) && !/[\r\n\\]/.test(value) && value.length <= 4000) return value;
  return DASHBOARD_PATH;
}

const body = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password', 'csrf'],
  properties: {
    email: { type: 'string', maxLength: 320 },
    password: { type: 'string', maxLength: 1024 },
    csrf: { type: 'string', maxLength: 100 },
    return_to: { type: 'string', maxLength: 4000 },
  },
} as const;

interface Shown {
  status: number;
  email?: string;
  message?: string;
}

async function render(services: Services, request: FastifyRequest, reply: FastifyReply, returnTo: string, shown: Shown) {
  // Heading for a client: name it, and let the form's redirects reach its redirect URI.
  let clientName: string | undefined;
  let email = shown.email;
  if (returnTo !== DASHBOARD_PATH) {
    const query = Object.fromEntries(new URLSearchParams(returnTo.slice(returnTo.indexOf('?') + 1)));
    // OIDC Core §3.1.2.1: login_hint names the account the client expects; it fills the email in.
    if (email === undefined && typeof query.login_hint === 'string') email = query.login_hint.slice(0, 320);
    const target = await identifyClient(query, services.clients).catch(() => undefined);
    if (target) {
      clientName = target.client.name;
      allowFormTargets(reply, [target.redirectUri]);
    }
  }
  return sendPage(
    reply,
    shown.status,
    'Sign in',
    html`
<h1>Sign in</h1>
${clientName ? html`<p>to continue to <strong>${clientName}</strong></p>` : ''}
<form class="card" method="post" action="${LOGIN_PATH}">${csrfField(request, reply, services)}
<input type="hidden" name="return_to" value="${returnTo}">
${shown.message ? html`<p class="error" role="alert">${shown.message}</p>` : ''}
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${email ?? ''}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit">Sign in</button></p>
</form>`,
  );
}

export function loginRoutes(app: App, services: Services) {
  const { accounts, audit, metrics } = services;
  const config = { audience: 'page' as const };

  app.get(
    LOGIN_PATH,
    {
      config,
      schema: { tags: ['pages'], summary: 'Sign-in page', querystring: { type: 'object', properties: { return_to: { type: 'string', maxLength: 4000 } } } },
    },
    async (request, reply) => render(services, request, reply, safeReturn(request.query.return_to), { status: 200 }),
  );

  app.post(LOGIN_PATH, { config, schema: { tags: ['pages'], summary: 'Sign in (form)', body } }, async (request, reply) => {
    const form = request.body;
    checkCsrf(request, form.csrf);
    const returnTo = safeReturn(form.return_to);
    const result = await accounts.authenticate(form.email, form.password, request.ip);
    if (!result.ok) {
      const email = form.email.trim().toLowerCase();
      if (result.reason === 'throttled') {
        metrics.logins.inc({ outcome: 'throttled' });
        audit.record({ action: 'login.throttled', outcome: 'failure', ip: request.ip, details: { email, limit: result.layer } });
        // RFC 6585 §4: 429 may say how long to wait before a new request, in Retry-After.
        reply.header('retry-after', String(result.retryAfter));
        return render(services, request, reply, returnTo, {
          status: 429,
          email: form.email,
          message: `Too many sign-in attempts. Try again in ${waitInWords(result.retryAfter)}.`,
        });
      }
      metrics.logins.inc({ outcome: 'failure' });
      audit.record({ action: 'login.failed', outcome: 'failure', ip: request.ip, details: { email } });
      return render(services, request, reply, returnTo, { status: 401, email: form.email, message: 'Incorrect email or password.' });
    }
    // A new sign-in replaces the session this browser had (after prompt=login, max_age or a
    // change of account): the old one must not stay usable by whoever holds its cookie.
    if (await services.browserSessions.current(request)) await services.browserSessions.end(request, reply);
    const session = await accounts.startSession(result.user.id, 'pwd');
    services.browserSessions.setCookie(reply, session);
    metrics.logins.inc({ outcome: 'success' });
    audit.record({
      action: 'login.succeeded',
      outcome: 'success',
      actor: result.user.id,
      ip: request.ip,
      details: { organization_id: result.user.organization_id },
    });
    // RFC 9110 §15.4.4: 303 so the browser follows with a GET.
    return reply.redirect(returnTo, 303);
  });

  app.post(
    '/logout',
    {
      config,
      schema: {
        tags: ['pages'],
        summary: 'Sign out (form)',
        body: { type: 'object', additionalProperties: false, required: ['csrf'], properties: { csrf: { type: 'string', maxLength: 100 } } },
      },
    },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const session = await services.browserSessions.current(request);
      await services.browserSessions.end(request, reply);
      if (session) audit.record({ action: 'logout', outcome: 'success', actor: session.userId, ip: request.ip });
      return reply.redirect(LOGIN_PATH, 303);
    },
  );
}
