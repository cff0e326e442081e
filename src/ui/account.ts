// The signed-in user's own account, on the organization dashboard: partner app tiles (opening
// one launches the app with a signed JWT, only on a same-site request), the apps they have authorised (with Revoke), their
// password, and signing out. The routes behind those forms live here too.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, FromSchema } from '../http/route-types.ts';
import { checkCsrf } from '../accounts/csrf.ts';
import { passwordProblem } from '../accounts/passwords.ts';
import type { CurrentSession } from '../accounts/sessions.ts';
import { errors } from '../errors.ts';
import { launchToken, launchUrl } from '../oauth/launch.ts';
import type { Services } from '../services.ts';
import { DASHBOARD_PATH } from '../http/paths.ts';
import { html, when, type Markup } from './layout.ts';
import { allowFormTargets, csrfField, PASSWORD_MANAGER_HINT, sendPage, usernameHint } from './forms.ts';
import { waitInWords } from './wait.ts';

const LAUNCH_PATH = '/apps';
const ACCOUNT_PATH = '/account';

const clientParams = { type: 'object', properties: { clientId: { type: 'string', maxLength: 200 } }, required: ['clientId'] } as const;
const csrfOnly = { type: 'object', additionalProperties: false, required: ['csrf'], properties: { csrf: { type: 'string', maxLength: 100 } } } as const;
const passwordBody = {
  type: 'object',
  additionalProperties: false,
  required: ['csrf', 'password', 'confirm'],
  properties: {
    csrf: { type: 'string', maxLength: 100 },
    username: PASSWORD_MANAGER_HINT,
    current: { type: 'string', maxLength: 1024 },
    password: { type: 'string', maxLength: 1024 },
    confirm: { type: 'string', maxLength: 1024 },
  },
} as const;

async function signedIn(services: Services, request: FastifyRequest): Promise<CurrentSession> {
  const session = await services.browserSessions.current(request);
  if (!session) throw errors.Unauthorized('You are not signed in, or your session has ended.');
  return session;
}

/** The dashboard sections of the signed-in user's account. */
export async function accountSections(services: Services, request: FastifyRequest, reply: FastifyReply, session: CurrentSession): Promise<Markup> {
  const [clients, apps, user] = await Promise.all([services.clients.list(), services.authorizations.apps(session.userId), services.users.get(session.userId)]);
  const tiles = clients.filter((c) => c.launch_url);
  const csrf = csrfField(request, reply, services);
  // A tile is a form whose answer redirects to the app: the page's form-action must allow it.
  allowFormTargets(
    reply,
    tiles.map((c) => c.launch_url as string),
  );
  return html`
<h2 id="apps">Apps</h2>
${
  tiles.length === 0
    ? html`<p class="muted">No apps to open.</p>`
    : html`<div class="tiles" id="app-tiles">
${tiles.map((c) => html`<div class="tile"><strong>${c.name}</strong><form class="inline" method="post" action="${LAUNCH_PATH}/${c.id}/launch">${csrf}<button type="submit" class="launch">Open</button></form></div>`)}</div>`
}
<h2 id="authorised-apps">Authorised apps</h2>
${
  apps.length === 0
    ? html`<p class="muted">You have not authorised any app.</p>`
    : html`
<table id="authorised-apps"><thead><tr><th>App</th><th>Access</th><th>Since</th><th></th></tr></thead><tbody>
${apps.map(
  (a) => html`<tr><td>${a.name}</td><td>${a.scope || '-'}</td><td>${when(a.since)}</td><td>
<form class="inline" method="post" action="${ACCOUNT_PATH}/apps/${a.clientId}/revoke">${csrf}<button type="submit">Revoke</button></form></td></tr>`,
)}
</tbody></table>`
}
<h2 id="password">Password</h2>
<form class="card" method="post" action="${ACCOUNT_PATH}/password">${csrf}
${usernameHint(user.email)}
${user.password_hash ? html`<label for="current">Current password</label><input id="current" name="current" type="password" autocomplete="current-password" required>` : html`<p class="muted">You have no password yet: choose one to sign in with your email.</p>`}
<label for="new-password">New password</label><input id="new-password" name="password" type="password" autocomplete="new-password" required minlength="8">
<label for="confirm">Repeat it</label><input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="8">
<p><button type="submit">Change password</button></p>
<p class="muted">Changing it signs you out everywhere else and disconnects the apps you authorised.</p></form>
<form method="post" action="/logout">${csrf}<p><button type="submit" id="logout">Sign out</button></p></form>`;
}

export function accountRoutes(app: App, services: Services) {
  const { accounts, audit, authorizations, loginThrottle } = services;
  const config = { audience: 'page' as const };

  // A launch signs an assertion of who the user is and hands it to the app, so it must be the
  // user's own act on Gatehouse: the dashboard's form (POST with the CSRF token), or a GET the
  // browser marks as same-origin or user-initiated (Sec-Fetch-Site, Fetch Metadata). Any other
  // GET (a link or redirect from another site, or a browser that sends no Fetch Metadata) gets
  // a page asking to confirm, and no assertion.
  const launchable = async (request: FastifyRequest<{ Params: FromSchema<typeof clientParams> }>) => {
    const session = await signedIn(services, request);
    const client = await services.clients.find(request.params.clientId);
    if (!client?.launch_url) throw errors.NotFound('There is no such app.');
    return { session, client: client as typeof client & { launch_url: string } };
  };
  app.get(
    `${LAUNCH_PATH}/:clientId/launch`,
    { config, schema: { tags: ['pages'], summary: 'Open a partner app with a signed launch JWT (same-site navigation only)', params: clientParams } },
    async (request, reply) => {
      const { session, client } = await launchable(request);
      const site = request.headers['sec-fetch-site'];
      if (site === 'same-origin' || site === 'none') return launch(request, reply, session, client);
      allowFormTargets(reply, [client.launch_url]);
      return sendPage(
        reply,
        200,
        `Open ${client.name}`,
        html`<h1>Open ${client.name}</h1><div class="notice">
<p>You are about to open ${client.name}, which will be told who you are and which organization you belong to.</p>
<form method="post" action="${LAUNCH_PATH}/${client.id}/launch">${csrfField(request, reply, services)}<button type="submit" class="launch">Open ${client.name}</button></form>
<p><a href="${DASHBOARD_PATH}">Back to the dashboard</a></p></div>`,
      );
    },
  );
  app.post(
    `${LAUNCH_PATH}/:clientId/launch`,
    { config, schema: { tags: ['pages'], summary: 'Open a partner app with a signed launch JWT (dashboard form)', params: clientParams, body: csrfOnly } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { session, client } = await launchable(request);
      return launch(request, reply, session, client);
    },
  );

  async function launch(request: FastifyRequest, reply: FastifyReply, session: CurrentSession, client: { id: string; launch_url: string }) {
    const user = await services.users.get(session.userId);
    const { token, jti } = launchToken(services.keystore, services.config.publicUrl, {
      clientId: client.id,
      userId: session.userId,
      organizationId: session.organizationId,
      email: user.email,
    });
    audit.record({ action: 'app.launched', outcome: 'success', actor: session.userId, clientId: client.id, ip: request.ip, details: { jti } });
    reply.header('cache-control', 'no-store');
    return reply.redirect(launchUrl(client.launch_url, token), 303);
  }

  app.post(
    `${ACCOUNT_PATH}/apps/:clientId/revoke`,
    { config, schema: { tags: ['pages'], summary: 'Revoke an authorised app (form)', params: clientParams, body: csrfOnly } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const session = await signedIn(services, request);
      const { clientId } = request.params;
      const revoked = await authorizations.revokeApp(session.userId, clientId);
      audit.record({ action: 'app.revoked', outcome: 'success', actor: session.userId, clientId, ip: request.ip, details: { grants: revoked } });
      return reply.redirect(DASHBOARD_PATH, 303);
    },
  );

  app.post(
    `${ACCOUNT_PATH}/password`,
    { config, schema: { tags: ['pages'], summary: 'Change your password (form)', body: passwordBody } },
    async (request, reply) => {
      const input = request.body;
      checkCsrf(request, input.csrf);
      const session = await signedIn(services, request);
      const user = await services.users.get(session.userId);
      const refuse = (status: number, message: string) =>
        sendPage(
          reply,
          status,
          'Password not changed',
          html`<h1>Password not changed</h1><div class="notice"><p>${message}</p><p><a href="${DASHBOARD_PATH}">Back to the dashboard</a></p></div>`,
        );
      if (user.password_hash) {
        // The current password guards against a borrowed session; wrong guesses count like sign-ins.
        const admission = await loginThrottle.admit(user.email.trim().toLowerCase(), request.ip);
        if (!admission.admitted) {
          reply.header('retry-after', String(admission.retryAfter));
          return refuse(429, `Too many attempts. Try again in ${waitInWords(admission.retryAfter)}.`);
        }
        if (!input.current || !(await accounts.checkPassword(user.id, input.current))) {
          audit.record({ action: 'password.change_refused', outcome: 'failure', actor: user.id, ip: request.ip });
          return refuse(400, 'The current password is not correct.');
        }
        await loginThrottle.succeeded(admission.ticket);
      }
      const problem = input.password !== input.confirm ? 'The two new passwords differ.' : passwordProblem(input.password, user.email);
      if (problem) return refuse(400, problem);
      const fresh = await services.storage.db.transaction().execute(async (trx) => {
        await accounts.setPassword(user.id, input.password, trx);
        return accounts.startSession(user.id, 'pwd', trx);
      });
      await accounts.revokeGrants(user.id);
      services.browserSessions.setCookie(reply, fresh);
      audit.record({ action: 'password.changed', outcome: 'success', actor: user.id, ip: request.ip });
      return reply.redirect(DASHBOARD_PATH, 303);
    },
  );
}
