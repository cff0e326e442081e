// /password/set/:token: the one-time link an operator sends a user who has no password yet (or
// forgot it). GET shows the form without spending the link; POST spends it, stores the new
// password (moving the credential version on) and signs the user in.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../http/route-types.ts';
import { checkCsrf } from '../accounts/csrf.ts';
import type { LinkState } from '../accounts/password-links.ts';
import { DASHBOARD_PATH, PASSWORD_LINK_PATH } from '../http/paths.ts';
import { passwordProblem } from '../accounts/passwords.ts';
import { errors } from '../errors.ts';
import type { Services } from '../services.ts';
import { html } from './layout.ts';
import { csrfField, PASSWORD_MANAGER_HINT, sendPage, usernameHint } from './forms.ts';

const REFUSED: Record<Exclude<LinkState, { ok: true }>['reason'], [number, string]> = {
  unknown: [404, 'This link is not valid.'],
  used: [410, 'This link has already been used. Each link works only once.'],
  expired: [410, 'This link has expired.'],
};

const params = { type: 'object', properties: { token: { type: 'string', maxLength: 200 } }, required: ['token'] } as const;
const body = {
  type: 'object',
  additionalProperties: false,
  required: ['csrf', 'password', 'confirm'],
  properties: {
    csrf: { type: 'string', maxLength: 100 },
    username: PASSWORD_MANAGER_HINT,
    password: { type: 'string', maxLength: 1024 },
    confirm: { type: 'string', maxLength: 1024 },
  },
} as const;

function form(services: Services, request: FastifyRequest, reply: FastifyReply, token: string, email: string, status = 200, message?: string) {
  return sendPage(
    reply,
    status,
    'Choose a password',
    html`
<h1>Choose a password</h1>
<form class="card" method="post" action="${PASSWORD_LINK_PATH}/${token}">${csrfField(request, reply, services)}
<p class="muted">For ${email}</p>
${message ? html`<p class="error" role="alert">${message}</p>` : ''}
${usernameHint(email)}
<label for="password">New password</label><input id="password" name="password" type="password" autocomplete="new-password" required minlength="8">
<label for="confirm">Repeat it</label><input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="8">
<p><button type="submit">Save and sign in</button></p></form>`,
  );
}

function refused(reply: FastifyReply, state: Exclude<LinkState, { ok: true }>) {
  const [status, message] = REFUSED[state.reason];
  return sendPage(
    reply,
    status,
    'Link not usable',
    html`<h1>Link not usable</h1><div class="notice"><p>${message}</p><p>Ask your administrator for a new one.</p></div>`,
  );
}

export function passwordSetRoutes(app: App, services: Services) {
  const { passwordLinks, accounts, audit, storage, users } = services;
  const config = { audience: 'page' as const };
  const emailOf = async (userId: string) => (await users.get(userId)).email;

  app.get(
    `${PASSWORD_LINK_PATH}/:token`,
    { config, schema: { tags: ['pages'], summary: 'Set a password with a one-time link', params } },
    async (request, reply) => {
      const { token } = request.params;
      const state = await passwordLinks.check(token);
      if (!state.ok) return refused(reply, state);
      return form(services, request, reply, token, await emailOf(state.userId));
    },
  );

  app.post(`${PASSWORD_LINK_PATH}/:token`, { config, schema: { tags: ['pages'], summary: 'Set a password (form)', params, body } }, async (request, reply) => {
    const { token } = request.params;
    const input = request.body;
    checkCsrf(request, input.csrf);
    const state = await passwordLinks.check(token);
    if (!state.ok) return refused(reply, state);
    const email = await emailOf(state.userId);
    const problem = input.password !== input.confirm ? 'The two passwords differ.' : passwordProblem(input.password, email);
    if (problem) return form(services, request, reply, token, email, 400, problem);
    const session = await storage.db.transaction().execute(async (trx) => {
      const spent = await passwordLinks.consume(trx, token);
      if (!spent.ok) throw errors.LinkUsed(REFUSED[spent.reason][1]);
      await accounts.setPassword(spent.userId, input.password, trx, true);
      return accounts.startSession(spent.userId, 'pwd', trx);
    });
    await accounts.revokeGrants(session.user.id);
    services.browserSessions.setCookie(reply, session);
    audit.record({ action: 'password.set', outcome: 'success', actor: session.user.id, ip: request.ip, details: { via: 'password_link' } });
    return reply.redirect(DASHBOARD_PATH, 303);
  });
}
