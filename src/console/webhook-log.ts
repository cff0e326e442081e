// /console/organizations/:id/webhooks/:subscriptionId: one subscription, its delivery log and the
// two ways to send again, through the Deliveries service the admin API's /deliveries, /resend and
// /recover endpoints call. The log is one row per attempt, newest first, in keyset pages by
// attempt id (`before` is the last id shown): when, which event, the delivery's state and
// attempts, the receiver's status (or why there was none), the duration and the start of its
// answer. Resend sends one delivery again; "Recover since" every delivery that failed since a
// time (UTC). Both need the subscription enabled, as the API does. The edit form is here too.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkCsrf } from '../accounts/csrf.ts';
import { parseDateTime } from '../db/storable.ts';
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { csrfField } from '../ui/forms.ts';
import { html, when, type Markup } from '../ui/layout.ts';
import type { Deliveries } from '../webhooks/deliveries.ts';
import { organizationHeader, webhookPath } from './organization-links.ts';
import { consolePage, csrf, invalid, nextLink, PAGE_SIZE, problemBanner, problemOf, type Problem } from './view.ts';
import { health, hookFields, hookParams, subscriptionOf, type HookInput, type Recorder } from './webhook-form.ts';

type Attempt = Awaited<ReturnType<Deliveries['attempts']>>[number];

interface DetailOptions {
  before?: string;
  problem?: Problem;
  /** What the edit form showed when it was refused. */
  values?: Partial<HookInput>;
  notice?: Markup;
}

/** Renders a subscription's page (for the edit form's refusals, which come back to it). */
export type Detail = (
  request: FastifyRequest,
  reply: FastifyReply,
  organizationId: string,
  subscriptionId: string,
  options?: DetailOptions,
) => Promise<FastifyReply>;

// The form's datetime-local value (HTML §2.3.5.5 local date and time: no zone), read as UTC.
const LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;
const EXCERPT = 300;

function sinceOf(raw: string | undefined): Date | Problem {
  const v = raw?.trim() ?? '';
  const wrong = (message: string): Problem => ({ status: 400, field: 'since', message });
  if (!v) return wrong('Since: enter the date and time (UTC) from which failed deliveries are sent again.');
  const iso = LOCAL.test(v) ? `${v.length === 16 ? `${v}:00` : v}Z` : v;
  try {
    return parseDateTime(iso, 'since');
  } catch {
    return wrong(`Since: "${v}" is not a date and time (use YYYY-MM-DD HH:MM, UTC).`);
  }
}

const NOTICES = {
  saved: 'Saved.',
  enabled: 'Enabled: new events are delivered again.',
  disabled: 'Disabled: nothing is sent until it is enabled again.',
  resent: 'Resent: the delivery is on its way again (its new attempt appears below once made).',
  recovered: 'Recovered.',
} as const;

/** The delivery's state: delivered, failed, or pending with its next try. */
function deliveryState(a: Attempt): Markup {
  if (a.delivery_status === 'pending') return html`pending${a.next_attempt_at ? html`, next try ${when(a.next_attempt_at)}` : ''}`;
  return a.delivery_status === 'failed' ? html`<strong class="error">failed</strong>` : html`<span class="ok">delivered</span>`;
}

function answer(a: Attempt): Markup {
  if (a.status_code !== null) return html`<strong${a.status_code >= 300 ? html` class="error"` : ''}>${a.status_code}</strong>`;
  return html`<span class="error">no answer</span>`;
}

function excerpt(a: Attempt): Markup {
  const body = a.response_body ?? '';
  const shown = body.length > EXCERPT ? `${body.slice(0, EXCERPT)}…` : body;
  return html`${a.error ? html`<span class="error">${a.error}</span> ` : ''}${shown ? html`<code>${shown}</code>` : a.error ? '' : html`<span class="muted">empty</span>`}`;
}

export function webhookLogRoutes(app: App, services: Services, record: Recorder): Detail {
  const { webhooks } = services;

  const detail: Detail = async (request, reply, organizationId, subscriptionId, options = {}) => {
    const { organization, subscription: s } = await subscriptionOf(services, organizationId, subscriptionId);
    const here = webhookPath(organization.id, s.id);
    const before = options.before?.trim();
    const badLink = Boolean(before && !/^[0-9]{1,18}$/.test(before));
    const problem = badLink ? { status: 400, message: 'That page link is not valid: start again from the first page.' } : options.problem;
    const attempts = badLink ? [] : await webhooks.deliveries.attempts(s.id, { before: before || undefined, limit: PAGE_SIZE + 1 });
    const shown = attempts.slice(0, PAGE_SIZE);
    const csrfInput = csrfField(request, reply, services);
    const enabled = s.status === 'enabled';
    const resendable = new Set<string>();
    // Pre-filled an hour before the failures began (a delivery is created a moment before it is
    // first tried), or a day back; the operator may pick any time.
    const since = new Date((s.failing_since?.getTime() ?? Date.now() - 23 * 3_600_000) - 3_600_000);
    const values = options.values ?? { url: s.url, eventTypes: s.event_types, authHeader: s.auth_header };
    return consolePage(
      services,
      request,
      reply,
      problem?.status ?? 200,
      `Webhook to ${s.url}`,
      html`${organizationHeader(organization, 'Webhook subscription')}
<p>URL <code id="webhook-url">${s.url}</code> · <span id="webhook-status">${health(s)}</span> · created ${when(s.created_at)} · updated ${when(s.updated_at)}</p>
<p>Events: ${s.event_types.join(', ')} · ${s.auth_header ? html`static header <code>${s.auth_header}</code>` : 'no static header'}${
        s.previous_secret_expires_at && s.previous_secret_expires_at.getTime() > Date.now()
          ? html` · the previous secret signs too until ${when(s.previous_secret_expires_at)}`
          : ''
      }</p>
${options.notice ? html`<p class="ok" role="status">${options.notice}</p>` : ''}${problemBanner(problem)}
<p>${
        enabled
          ? html`<a href="${here}/disable">Disable the webhook</a>`
          : html`<form method="post" action="${here}/enable" class="inline">${csrfInput}<button type="submit">Enable the webhook</button></form>`
      } · <a href="${here}/rotate-secret">Rotate the signing secret</a> · <a href="${here}/delete">Delete the webhook</a></p>
${
  enabled
    ? html`<form class="filters" method="post" action="${here}/recover" id="recover-form">${csrfInput}
<label for="since">Send again every delivery that failed since (UTC)<br><input id="since" name="since" type="datetime-local" value="${since.toISOString().slice(0, 16)}"${invalid(problem, 'since')}></label>
<button type="submit">Recover since</button></form>`
    : html`<p class="muted">Enable the webhook to send deliveries again.</p>`
}
<h2>Delivery log</h2>
<table id="deliveries"><thead><tr><th>When</th><th>Event</th><th>Delivery</th><th>Attempts</th><th>Response</th><th>Duration</th><th>Answer</th><th></th></tr></thead><tbody>
${shown.map((a) => {
  // One Resend per delivery: on its newest attempt shown.
  const first = !resendable.has(a.delivery_id);
  resendable.add(a.delivery_id);
  // The delivery's state and attempt count are told once, on its newest attempt.
  return html`<tr><td>${when(a.attempted_at)}</td><td>${a.event_type}<br><code class="muted">${a.event_id}</code></td>
<td>${first ? deliveryState(a) : html`<span class="muted">an earlier attempt</span>`} (${a.trigger})</td>
<td>${first ? a.delivery_attempts : ''}</td><td>${answer(a)}</td><td>${a.duration_ms} ms</td><td>${excerpt(a)}</td>
<td>${
    first && enabled
      ? html`<form method="post" action="${here}/deliveries/${a.delivery_id}/resend" class="inline">${csrfInput}<button type="submit">Resend</button></form>`
      : ''
  }</td></tr>`;
})}</tbody></table>${shown.length === 0 ? html`<p class="muted">No delivery attempts${before ? ' before this point' : ' yet'}.</p>` : ''}
${nextLink(here, {}, 'before', attempts.length > PAGE_SIZE ? String(shown.at(-1)!.id) : undefined)}
<form class="card wide" method="post" action="${here}" id="webhook-form"><h2>Edit the subscription</h2>${csrfInput}
${hookFields(values, problem, true)}<p><button type="submit">Save changes</button></p></form>`,
    );
  };

  const detailQuery = {
    type: 'object',
    additionalProperties: false,
    properties: {
      before: { type: 'string', maxLength: 40 },
      notice: { type: 'string', enum: Object.keys(NOTICES) },
      count: { type: 'string', maxLength: 12 },
    },
  } as const;

  app.get(
    webhookPath(':id', ':subscriptionId'),
    { schema: { summary: 'Console: a webhook subscription and its delivery log', params: hookParams, querystring: detailQuery } },
    async (request, reply) => {
      const { before, notice, count } = request.query;
      const words =
        notice === 'recovered'
          ? `${/^\d+$/.test(count ?? '') ? count : 'The'} failed deliver${count === '1' ? 'y is' : 'ies are'} on ${count === '1' ? 'its' : 'their'} way again.`
          : notice && NOTICES[notice as keyof typeof NOTICES];
      return detail(request, reply, request.params.id, request.params.subscriptionId, { before, notice: words ? html`${words}` : undefined });
    },
  );

  const deliveryParams = {
    type: 'object',
    required: ['id', 'subscriptionId', 'deliveryId'],
    properties: { ...hookParams.properties, deliveryId: { type: 'string', minLength: 1, maxLength: 100 } },
  } as const;
  const csrfBody = { type: 'object', additionalProperties: false, required: ['csrf'], properties: { csrf } } as const;

  app.post(
    `${webhookPath(':id', ':subscriptionId')}/deliveries/:deliveryId/resend`,
    { schema: { summary: 'Console: resend one delivery (form)', params: deliveryParams, body: csrfBody } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { id, subscriptionId, deliveryId } = request.params;
      const { organization, subscription } = await subscriptionOf(services, id, subscriptionId);
      try {
        await webhooks.deliveries.resend(subscription.id, deliveryId);
      } catch (error) {
        return detail(request, reply, organization.id, subscription.id, { problem: problemOf(error, []) });
      }
      record(request, 'webhook.resent', organization.id, { webhook_id: subscription.id, delivery_id: deliveryId });
      return reply.redirect(`${webhookPath(organization.id, subscription.id)}?notice=resent`, 303);
    },
  );

  app.post(
    `${webhookPath(':id', ':subscriptionId')}/recover`,
    {
      schema: {
        summary: 'Console: resend every delivery that failed since a time (form)',
        params: hookParams,
        body: { type: 'object', additionalProperties: false, required: ['csrf'], properties: { csrf, since: { type: 'string', maxLength: 40 } } },
      },
    },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { organization, subscription } = await subscriptionOf(services, request.params.id, request.params.subscriptionId);
      const since = sinceOf(request.body.since);
      if (!(since instanceof Date)) return detail(request, reply, organization.id, subscription.id, { problem: since });
      let recovered;
      try {
        recovered = await webhooks.deliveries.recover(subscription.id, since);
      } catch (error) {
        return detail(request, reply, organization.id, subscription.id, { problem: problemOf(error, ['since']) });
      }
      record(request, 'webhook.recovered', organization.id, { webhook_id: subscription.id, since: since.toISOString(), recovered });
      return reply.redirect(`${webhookPath(organization.id, subscription.id)}?notice=recovered&count=${recovered}`, 303);
    },
  );

  return detail;
}
