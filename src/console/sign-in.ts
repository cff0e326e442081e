// GET and POST /console/login: an operator account (email and password) or the admin token (a
// password field). Throttled like /login, by the same three layers under keys of their own; one
// message for every failure; every attempt audited, the operator or "admin-token" as the actor.
// POST /console/logout ends the session. /console/password/:token is an operator's one-time
// set-password link: opening it shows the form, only the submission spends it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkCsrf } from '../accounts/csrf.ts';
import { ADMIN_TOKEN_ACTOR, operatorActor } from '../accounts/operator-sessions.ts';
import type { ThrottleLayer } from '../accounts/throttle.ts';
import { CONSOLE_PASSWORD_PATH, CONSOLE_PATH } from '../http/paths.ts';
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { csrfField, PASSWORD_MANAGER_HINT, usernameHint } from '../ui/forms.ts';
import { html } from '../ui/layout.ts';
import { waitInWords } from '../ui/wait.ts';
import { csrf, invalid, problemBanner, problemOf, publicPage, session, type Problem } from './view.ts';

const LOGIN = `${CONSOLE_PATH}/login`;

const loginBody = {
  type: 'object',
  additionalProperties: false,
  required: ['csrf', 'method'],
  properties: {
    csrf,
    method: { type: 'string', enum: ['operator', 'token'] },
    email: { type: 'string', maxLength: 320 },
    password: { type: 'string', maxLength: 1024 },
    token: { type: 'string', maxLength: 1024 },
  },
} as const;

function loginPage(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  shown: { status: number; email?: string; problem?: Problem; method?: string },
) {
  const p = shown.problem;
  const about = (method: string) => (shown.method === method ? p : undefined);
  return publicPage(
    reply,
    shown.status,
    'Console sign-in',
    html`<h1>Sign in to the console</h1>
<form class="card" method="post" action="${LOGIN}" id="operator-sign-in"><h2>Operator account</h2>${csrfField(request, reply, services)}
<input type="hidden" name="method" value="operator">${problemBanner(about('operator'))}
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${shown.email ?? ''}"${invalid(about('operator'), 'email')}>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required${invalid(about('operator'), 'email')}>
<p><button type="submit">Sign in</button></p></form>
<p class="muted">or</p>
<form class="card" method="post" action="${LOGIN}" id="token-sign-in"><h2>Admin token</h2>${csrfField(request, reply, services)}
<input type="hidden" name="method" value="token">${problemBanner(about('token'))}
<label for="token">Admin token</label><input id="token" name="token" type="password" autocomplete="off" required${invalid(about('token'), 'token')}>
<p><button type="submit">Sign in with the token</button></p></form>`,
  );
}

function throttled(reply: FastifyReply, retryAfter: number): Problem {
  // RFC 6585 §4: 429 may say how long to wait before a new request, in Retry-After.
  reply.header('retry-after', String(retryAfter));
  return { status: 429, message: `Too many sign-in attempts. Try again in ${waitInWords(retryAfter)}.` };
}

export function signInRoutes(app: App, services: Services) {
  const { audit, operators, operatorSessions, adminAuth, metrics } = services;
  const config = { signedOut: true };

  app.get(LOGIN, { config, schema: { summary: 'Console sign-in page' } }, async (request, reply) => {
    if (await operatorSessions.current(request)) return reply.redirect(CONSOLE_PATH, 303);
    return loginPage(services, request, reply, { status: 200 });
  });

  app.post(LOGIN, { config, schema: { summary: 'Console sign-in (form)', body: loginBody } }, async (request, reply) => {
    const form = request.body;
    checkCsrf(request, form.csrf);
    const ip = request.ip;
    const refuse = (method: string, details: Record<string, unknown>, problem: Problem, layer?: ThrottleLayer) => {
      metrics.logins.inc({ outcome: layer ? 'throttled' : 'failure' });
      audit.record({
        action: layer ? 'console.sign_in_throttled' : 'console.sign_in_failed',
        outcome: 'failure',
        ip,
        details: { method, ...details, ...(layer ? { limit: layer } : {}) },
      });
      return loginPage(services, request, reply, { status: problem.status, email: form.email, problem, method });
    };
    if (form.method === 'token') {
      const admission = await operators.admitToken(ip);
      if (!admission.ok) return refuse('token', {}, throttled(reply, admission.retryAfter), admission.layer);
      if (!adminAuth.matches(form.token)) return refuse('token', {}, { status: 401, field: 'token', message: 'That is not the admin token.' });
      await admission.succeeded();
      await operatorSessions.start(reply, null);
      audit.record({ action: 'console.signed_in', outcome: 'success', actor: ADMIN_TOKEN_ACTOR, ip, details: { method: 'token' } });
    } else {
      const email = (form.email ?? '').trim().toLowerCase();
      const result = await operators.authenticate(email, form.password ?? '', ip);
      if (!result.ok) {
        if (result.reason === 'throttled') return refuse('operator', { email }, throttled(reply, result.retryAfter), result.layer);
        return refuse('operator', { email }, { status: 401, field: 'email', message: 'Incorrect email or password.' });
      }
      await operatorSessions.start(reply, result.operator);
      audit.record({ action: 'console.signed_in', outcome: 'success', actor: operatorActor(result.operator.id), ip, details: { method: 'password' } });
    }
    metrics.logins.inc({ outcome: 'success' });
    // RFC 9110 §15.4.4: 303 so the browser follows with a GET.
    return reply.redirect(CONSOLE_PATH, 303);
  });

  app.post(
    `${CONSOLE_PATH}/logout`,
    { schema: { summary: 'Console sign-out (form)', body: { type: 'object', additionalProperties: false, required: ['csrf'], properties: { csrf } } } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const who = session(request);
      await operatorSessions.end(request, reply);
      audit.record({ action: 'console.signed_out', outcome: 'success', actor: who.actor, ip: request.ip });
      return reply.redirect(LOGIN, 303);
    },
  );

  const tokenParams = { type: 'object', required: ['token'], properties: { token: { type: 'string', minLength: 1, maxLength: 200 } } } as const;
  const setBody = {
    type: 'object',
    additionalProperties: false,
    required: ['csrf', 'password', 'confirm'],
    properties: { csrf, password: { type: 'string', maxLength: 1024 }, confirm: { type: 'string', maxLength: 1024 }, username: PASSWORD_MANAGER_HINT },
  } as const;
  const linkGone = (reply: FastifyReply, reason: string) =>
    publicPage(
      reply,
      reason === 'unknown' ? 400 : 410,
      'This link is no longer valid',
      html`<h1>This link is no longer valid</h1><div class="notice"><p>It ${reason === 'unknown' ? 'is not a set-password link' : `was ${reason}`}.</p>
<p>Ask another operator for a new link (<code>gatehouse operator password-link ID</code>), or <a href="${LOGIN}">sign in</a>.</p></div>`,
    );
  const setForm = (request: FastifyRequest, reply: FastifyReply, token: string, email: string, problem?: Problem) =>
    publicPage(
      reply,
      problem?.status ?? 200,
      'Choose a password',
      html`<h1>Choose a password</h1><p>for the console operator <strong>${email}</strong></p>
<form class="card" method="post" action="${CONSOLE_PASSWORD_PATH}/${token}">${csrfField(request, reply, services)}${usernameHint(email)}${problemBanner(problem)}
<label for="password">New password</label><input id="password" name="password" type="password" autocomplete="new-password" required${invalid(problem, 'password')}>
<label for="confirm">Repeat it</label><input id="confirm" name="confirm" type="password" autocomplete="new-password" required${invalid(problem, 'confirm')}>
<p><button type="submit">Save and sign in</button></p></form>`,
    );

  app.get(
    `${CONSOLE_PASSWORD_PATH}/:token`,
    { config, schema: { summary: "An operator's set-password link", params: tokenParams } },
    async (request, reply) => {
      const state = await operators.checkLink(request.params.token);
      if (!state.ok) return linkGone(reply, state.reason);
      return setForm(request, reply, request.params.token, state.operator.email);
    },
  );

  app.post(
    `${CONSOLE_PASSWORD_PATH}/:token`,
    { config, schema: { summary: 'Set an operator password (form)', params: tokenParams, body: setBody } },
    async (request, reply) => {
      const { token } = request.params;
      checkCsrf(request, request.body.csrf);
      const state = await operators.checkLink(token);
      if (!state.ok) return linkGone(reply, state.reason);
      if (request.body.password !== request.body.confirm) {
        return setForm(request, reply, token, state.operator.email, { status: 400, field: 'confirm', message: 'The two passwords are not the same.' });
      }
      let operator;
      try {
        operator = await operators.setPasswordWithLink(token, request.body.password);
      } catch (error) {
        const problem = problemOf(error, ['password']);
        if (problem.status === 410) return linkGone(reply, 'used');
        return setForm(request, reply, token, state.operator.email, problem);
      }
      audit.record({ action: 'operator.password_set', outcome: 'success', actor: operatorActor(operator.id), ip: request.ip });
      await operatorSessions.start(reply, operator);
      audit.record({
        action: 'console.signed_in',
        outcome: 'success',
        actor: operatorActor(operator.id),
        ip: request.ip,
        details: { method: 'password link' },
      });
      return reply.redirect(CONSOLE_PATH, 303);
    },
  );
}
