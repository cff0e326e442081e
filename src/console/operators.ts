// /console/operators: who may sign in to the console. An operator adds another by email; the page
// shows the one-time set-password link (once) to pass on, as `gatehouse operator create` prints it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkCsrf } from '../accounts/csrf.ts';
import { CONSOLE_PATH } from '../http/paths.ts';
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { csrfField } from '../ui/forms.ts';
import { html, when } from '../ui/layout.ts';
import { consolePage, csrf, idParams, invalid, nextLink, PAGE_SIZE, problemBanner, problemOf, secretField, session, type Problem } from './view.ts';

const BASE = `${CONSOLE_PATH}/operators`;

export function consoleOperatorRoutes(app: App, services: Services) {
  const { operators, audit } = services;

  const listPage = async (request: FastifyRequest, reply: FastifyReply, after: string | undefined, email = '', problem?: Problem) => {
    const rows = await operators.list({ after, limit: PAGE_SIZE + 1 });
    const shown = rows.slice(0, PAGE_SIZE);
    return consolePage(
      services,
      request,
      reply,
      problem?.status ?? 200,
      'Operators',
      html`<h1>Operators</h1>
<form class="card" method="post" action="${BASE}" id="operator-form"><h2>Add an operator</h2>${csrfField(request, reply, services)}${problemBanner(problem)}
<label for="email">Email</label><input id="email" name="email" type="email" required value="${email}"${invalid(problem, 'email')}>
<p><button type="submit">Add operator</button></p></form>
<table id="operators"><thead><tr><th>Email</th><th>Operator id</th><th>Password</th><th>Last sign-in</th><th></th></tr></thead><tbody>
${shown.map(
  (o) => html`<tr><td>${o.email}</td><td><code>${o.id}</code></td><td>${o.password_hash ? 'set' : 'not yet'}</td><td>${when(o.last_login_at)}</td>
<td><form method="post" action="${BASE}/${o.id}/password-link" class="inline">${csrfField(request, reply, services)}<button type="submit">New set-password link</button></form></td></tr>`,
)}</tbody></table>${shown.length === 0 ? html`<p class="muted">No operator accounts yet: you signed in with the admin token.</p>` : ''}
${nextLink(BASE, {}, 'after', rows.length > PAGE_SIZE ? shown.at(-1)!.email : undefined)}`,
    );
  };

  const linkPage = (request: FastifyRequest, reply: FastifyReply, status: number, email: string, link: { url: string; expiresAt: Date }) =>
    consolePage(
      services,
      request,
      reply,
      status,
      'Set-password link',
      html`<h1>Set-password link for ${email}</h1><div class="card wide">${secretField('password-link', 'Set-password link', link.url)}
<p>It works once, until ${when(link.expiresAt)}. Pass it on to ${email}: opening it lets them choose a password and sign in.</p>
<p><a href="${BASE}">Back to the operators</a></p></div>`,
    );

  app.get(
    BASE,
    {
      schema: {
        summary: 'Console: operators',
        querystring: { type: 'object', additionalProperties: false, properties: { after: { type: 'string', maxLength: 320 } } },
      },
    },
    async (request, reply) => listPage(request, reply, request.query.after),
  );

  app.post(
    BASE,
    {
      schema: {
        summary: 'Console: add an operator (form)',
        body: { type: 'object', additionalProperties: false, required: ['csrf', 'email'], properties: { csrf, email: { type: 'string', maxLength: 400 } } },
      },
    },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      let created;
      try {
        created = await operators.create(request.body.email, session(request).actor);
      } catch (error) {
        return listPage(request, reply, undefined, request.body.email, problemOf(error, ['email']));
      }
      audit.record({
        action: 'operator.created',
        outcome: 'success',
        actor: session(request).actor,
        ip: request.ip,
        details: { operator_id: created.operator.id, email: created.operator.email, via: 'console' },
      });
      return linkPage(request, reply, 201, created.operator.email, created.link);
    },
  );

  app.post(
    `${BASE}/:id/password-link`,
    {
      schema: {
        summary: 'Console: a new set-password link (form)',
        params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['csrf'], properties: { csrf } },
      },
    },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { operator, link } = await operators.passwordLink(request.params.id);
      audit.record({
        action: 'operator.password_link_created',
        outcome: 'success',
        actor: session(request).actor,
        ip: request.ip,
        details: { operator_id: operator.id, via: 'console' },
      });
      return linkPage(request, reply, 201, operator.email, link);
    },
  );
}
