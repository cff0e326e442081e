// /dashboard/webhooks: organization admins manage the organization's webhook subscriptions in
// the browser, with the same service the MSP API uses: create (the secret is shown once), enable
// and disable, rotate the secret, delete, read the delivery log, resend and recover.
// Every form carries the CSRF token of src/accounts/csrf.ts.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, FromSchema } from '../http/route-types.ts';
import { checkCsrf } from '../accounts/csrf.ts';
import { organizationAdmin } from '../accounts/organization-admin.ts';
import { errors } from '../errors.ts';
import type { Services } from '../services.ts';
import { EVENT_TYPE_NAMES } from '../webhooks/http/schemas.ts';
import { html, when, page, type Markup } from './layout.ts';
import { DASHBOARD_PATH } from '../http/paths.ts';
import { csrfField } from './forms.ts';

const WEBHOOKS_PATH = `${DASHBOARD_PATH}/webhooks`;

const formBody = {
  type: 'object',
  additionalProperties: false,
  required: ['csrf'],
  properties: {
    csrf: { type: 'string', maxLength: 100 },
    action: { type: 'string', enum: ['create', 'enable', 'disable', 'delete', 'rotate', 'resend', 'recover'] },
    webhook_url: { type: 'string', maxLength: 2048 },
    event_types: {
      anyOf: [
        { type: 'string', maxLength: 100 },
        { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 100 } },
      ],
    },
    auth_header: { type: 'string', maxLength: 256 },
    auth_header_value: { type: 'string', maxLength: 4096 },
    delivery_id: { type: 'string', maxLength: 100 },
    since: { type: 'string', maxLength: 40 },
  },
} as const;

type Form = FromSchema<typeof formBody>;

export function webhookPages(app: App, services: Services) {
  const { webhooks } = services;

  /** The signed-in organization owner or admin, or a 401/403 page. */
  async function adminOf(request: FastifyRequest, form?: Form): Promise<{ organizationId: string; userId: string }> {
    const who = await organizationAdmin(services, request, 'manage webhooks');
    if (form) checkCsrf(request, form.csrf);
    return who;
  }

  const config = { audience: 'page' as const };
  const params = { type: 'object', properties: { id: { type: 'string', maxLength: 100 } }, required: ['id'] } as const;
  const send = (reply: FastifyReply, title: string, body: Markup) =>
    reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page(title, body));

  app.get(WEBHOOKS_PATH, { config, schema: { tags: ['pages'], summary: 'Webhook subscriptions of the organization (admins)' } }, async (request, reply) => {
    const { organizationId } = await adminOf(request);
    const list = await webhooks.subscriptions.list(organizationId);
    return send(
      reply,
      'Webhooks',
      html`
<h1>Webhooks</h1><p><a href="${DASHBOARD_PATH}">Back to the dashboard</a></p>
${
  list.length === 0
    ? html`<p class="muted">No webhooks yet.</p>`
    : html`
<table><thead><tr><th>URL</th><th>Events</th><th>Status</th></tr></thead><tbody>
${list.map((w) => html`<tr><td><a href="${WEBHOOKS_PATH}/${w.id}">${w.url}</a></td><td>${w.event_types.join(', ')}</td><td>${w.status}${w.disabled_reason ? ` (${w.disabled_reason})` : ''}</td></tr>`)}
</tbody></table>`
}
<h2>Add a webhook</h2>
<form method="post" action="${WEBHOOKS_PATH}">${csrfField(request, reply, services)}
<p><label>URL <input name="webhook_url" type="url" required size="60"></label></p>
<fieldset><legend>Events</legend>${EVENT_TYPE_NAMES.map((t) => html`<label><input type="checkbox" name="event_types" value="${t}"> ${t}</label><br>`)}</fieldset>
<p><label>Header name <input name="auth_header"></label> <label>Header value <input name="auth_header_value" type="password"></label></p>
<p><button>Add</button></p></form>`,
    );
  });

  app.post(WEBHOOKS_PATH, { config, schema: { tags: ['pages'], summary: 'Create a webhook (form)', body: formBody } }, async (request, reply) => {
    const form = request.body;
    const who = await adminOf(request, form);
    const header = form.auth_header ? { authHeader: form.auth_header, authHeaderValue: form.auth_header_value ?? '' } : {};
    const { subscription, secret } = await webhooks.subscriptions.create(who.organizationId, {
      url: form.webhook_url ?? '',
      eventTypes: typesOf(form),
      ...header,
    });
    audit(services, request, 'webhook.created', who, subscription.id);
    return send(reply, 'Webhook added', secretShown(subscription.id, secret));
  });

  app.get(
    `${WEBHOOKS_PATH}/:id`,
    { config, schema: { tags: ['pages'], summary: 'A webhook and its delivery log (admins)', params } },
    async (request, reply) => {
      const { organizationId } = await adminOf(request);
      const { id } = request.params;
      const w = await webhooks.subscriptions.get(organizationId, id);
      const log = await webhooks.deliveries.attempts(w.id, { limit: 50 });
      const csrf = csrfField(request, reply, services);
      const button = (action: string, label: string, extra?: Markup) => html`<form method="post" action="${WEBHOOKS_PATH}/${w.id}" style="display:inline">
${csrf}<input type="hidden" name="action" value="${action}">${extra}<button>${label}</button></form>`;
      return send(
        reply,
        'Webhook',
        html`
<h1>${w.url}</h1><p><a href="${WEBHOOKS_PATH}">All webhooks</a></p>
<p>Status: ${w.status}${w.disabled_reason ? ` (${w.disabled_reason})` : ''}. Events: ${w.event_types.join(', ')}.${w.auth_header ? ` Header: ${w.auth_header}.` : ''}</p>
<p>${w.status === 'enabled' ? button('disable', 'Disable') : button('enable', 'Enable')} ${button('rotate', 'Rotate secret')} ${button('delete', 'Delete')}</p>
<p>${button('recover', 'Resend failed deliveries since', html`<input type="datetime-local" name="since" required> `)}</p>
<h2>Deliveries</h2>
${
  log.length === 0
    ? html`<p class="muted">No deliveries yet.</p>`
    : html`
<table><thead><tr><th>Time</th><th>Event</th><th>Status</th><th>Duration</th><th>Response</th><th></th></tr></thead><tbody>
${log.map(
  (a) => html`<tr><td>${when(a.attempted_at)}</td><td>${a.event_type}</td><td>${a.status_code ?? a.error ?? ''}</td><td>${a.duration_ms} ms</td>
<td><code>${(a.response_body ?? '').slice(0, 200)}</code></td><td>${button('resend', 'Resend', html`<input type="hidden" name="delivery_id" value="${a.delivery_id}">`)}</td></tr>`,
)}
</tbody></table>`
}`,
      );
    },
  );

  app.post(
    `${WEBHOOKS_PATH}/:id`,
    { config, schema: { tags: ['pages'], summary: 'Change a webhook (form)', params, body: formBody } },
    async (request, reply) => {
      const form = request.body;
      const who = await adminOf(request, form);
      const { organizationId } = who;
      const { id } = request.params;
      const here = `${WEBHOOKS_PATH}/${id}`;
      const done = (action: string) => audit(services, request, `webhook.${action}`, who, id);
      switch (form.action) {
        case 'enable':
        case 'disable':
          await webhooks.subscriptions.update(organizationId, id, { status: form.action === 'enable' ? 'enabled' : 'disabled' });
          done('updated');
          return reply.redirect(here, 303);
        case 'delete':
          await webhooks.subscriptions.remove(organizationId, id);
          done('deleted');
          return reply.redirect(WEBHOOKS_PATH, 303);
        case 'rotate': {
          const { secret } = await webhooks.subscriptions.rotateSecret(organizationId, id);
          done('secret_rotated');
          return send(reply, 'Secret rotated', secretShown(id, secret, 'The previous secret keeps signing alongside this one for 24 hours.'));
        }
        case 'resend':
          await webhooks.subscriptions.get(organizationId, id);
          await webhooks.deliveries.resend(id, form.delivery_id ?? '');
          done('resent');
          return reply.redirect(here, 303);
        case 'recover': {
          await webhooks.subscriptions.get(organizationId, id);
          const since = new Date(form.since ?? '');
          if (Number.isNaN(since.getTime())) throw errors.Invalid('since must be a date and time');
          await webhooks.deliveries.recover(id, since);
          done('recovered');
          return reply.redirect(here, 303);
        }
        default:
          throw errors.Invalid('action must be one of: enable, disable, delete, rotate, resend, recover');
      }
    },
  );
}

function typesOf(form: Form): string[] {
  const types = form.event_types === undefined ? [] : Array.isArray(form.event_types) ? form.event_types : [form.event_types];
  if (types.length === 0) throw errors.Invalid('choose at least one event');
  const unknown = types.find((t) => !EVENT_TYPE_NAMES.includes(t));
  if (unknown) throw errors.InvalidField('event_types', `unknown event type "${unknown}"`);
  return types;
}

function secretShown(id: string, secret: string, note = ''): Markup {
  return html`<h1>Signing secret</h1>
<p>Copy this secret into the receiving application now: it is not shown again. ${note}</p>
<p><code>${secret}</code></p><p><a href="${WEBHOOKS_PATH}/${id}">Continue</a></p>`;
}

function audit({ audit }: Services, request: FastifyRequest, action: string, who: { organizationId: string; userId: string }, webhookId: string) {
  audit.record({
    action,
    outcome: 'success',
    actor: who.userId,
    ip: request.ip,
    details: { organization_id: who.organizationId, webhook_id: webhookId, via: 'dashboard' },
  });
}
