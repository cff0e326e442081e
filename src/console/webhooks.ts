// /console/organizations/:id/webhooks: an organization's webhook subscriptions, through the
// Webhooks service the admin API's /organizations/{id}/webhooks endpoints call. The list shows
// each subscription's URL, events and health (failing since when, or disabled and why) and adds
// one (its signing secret shown once). A subscription's page (webhook-log.ts) shows its delivery
// log and sends again; this module has what changes the subscription itself: edit the URL,
// events and static header, enable, and, after a page saying what stops, disable, rotate the
// secret, delete.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkCsrf } from '../accounts/csrf.ts';
import type { App } from '../http/route-types.ts';
import type { Organization } from '../organizations/organizations.ts';
import type { Services } from '../services.ts';
import { csrfField } from '../ui/forms.ts';
import { html, when } from '../ui/layout.ts';
import type { Subscription, SubscriptionPatch } from '../webhooks/subscriptions.ts';
import { organizationHeader, webhookPath, webhooksPath } from './organization-links.ts';
import { confirmed, confirmPage, consolePage, csrf, idParams, problemBanner, problemOf, secretField, session, type Problem } from './view.ts';
import { FIELDS, health, hookFields, hookForm, hookParams, isProblem, readForm, subscriptionOf, typesOf, type HookInput } from './webhook-form.ts';
import { webhookLogRoutes } from './webhook-log.ts';

export function consoleWebhookRoutes(app: App, services: Services) {
  const { webhooks, organizations, audit } = services;
  const record = (request: FastifyRequest, action: string, organizationId: string, details: Record<string, unknown>) =>
    audit.record({
      action,
      outcome: 'success',
      actor: session(request).actor,
      ip: request.ip,
      details: { organization_id: organizationId, ...details, via: 'console' },
    });

  const listPage = async (request: FastifyRequest, reply: FastifyReply, organization: Organization, values: Partial<HookInput> = {}, problem?: Problem) => {
    const list = await webhooks.subscriptions.list(organization.id);
    return consolePage(
      services,
      request,
      reply,
      problem?.status ?? 200,
      `Webhooks of ${organization.name}`,
      html`${organizationHeader(organization, `Webhooks of ${organization.name}`)}
<table id="webhooks"><thead><tr><th>URL</th><th>Events</th><th>Status</th><th>Created</th></tr></thead><tbody>
${list.map(
  (s) =>
    html`<tr><td><a href="${webhookPath(organization.id, s.id)}">${s.url}</a></td><td>${s.event_types.join(', ')}</td><td>${health(s)}</td><td>${when(s.created_at)}</td></tr>`,
)}</tbody></table>${list.length === 0 ? html`<p class="muted">No webhook subscriptions.</p>` : ''}
<form class="card wide" method="post" action="${webhooksPath(organization.id)}" id="webhook-form"><h2>New subscription</h2>${csrfField(request, reply, services)}
${problemBanner(problem)}${hookFields(values, problem, false)}<p><button type="submit">Add the subscription</button></p></form>`,
    );
  };

  // The subscription's own page, with its delivery log: the edit form is on it.
  const detail = webhookLogRoutes(app, services, record);
  const readSubscription = (organizationId: string, subscriptionId: string) => subscriptionOf(services, organizationId, subscriptionId);

  app.get(webhooksPath(':id'), { schema: { summary: "Console: an organization's webhook subscriptions", params: idParams } }, async (request, reply) =>
    listPage(request, reply, await organizations.get(request.params.id)),
  );

  app.post(
    webhooksPath(':id'),
    { schema: { summary: 'Console: add a webhook subscription (form)', params: idParams, body: hookForm } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const organization = await organizations.get(request.params.id);
      const input = readForm(request.body);
      const echo = { url: request.body.webhook_url, eventTypes: typesOf(request.body), authHeader: request.body.auth_header };
      if (isProblem(input)) return listPage(request, reply, organization, echo, input);
      let created;
      try {
        created = await webhooks.subscriptions.create(organization.id, {
          ...input,
          authHeaderValue: input.authHeader ? (input.authHeaderValue ?? null) : null,
        });
      } catch (error) {
        return listPage(request, reply, organization, echo, problemOf(error, FIELDS));
      }
      record(request, 'webhook.created', organization.id, { webhook_id: created.subscription.id });
      return consolePage(
        services,
        request,
        reply,
        201,
        'Webhook subscription added',
        html`${organizationHeader(organization, 'Webhook subscription added')}<div class="card wide">
<p>Deliveries to <code>${created.subscription.url}</code> are signed with this secret (Standard Webhooks, <code>webhook-signature</code>).</p>
${secretField('signing-secret', 'Signing secret', created.secret)}
<p><strong>This is the only time the secret is shown.</strong> Copy it into the receiving application now.</p>
<p><a href="${webhookPath(organization.id, created.subscription.id)}">Go to the subscription</a></p></div>`,
      );
    },
  );

  app.post(
    webhookPath(':id', ':subscriptionId'),
    { schema: { summary: 'Console: edit a webhook subscription (form)', params: hookParams, body: hookForm } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { organization, subscription: current } = await readSubscription(request.params.id, request.params.subscriptionId);
      const input = readForm(request.body);
      const echo = { url: request.body.webhook_url, eventTypes: typesOf(request.body), authHeader: request.body.auth_header };
      const again = (problem: Problem) => detail(request, reply, organization.id, current.id, { problem, values: echo });
      if (isProblem(input)) return again(input);
      const patch: SubscriptionPatch = { url: input.url, eventTypes: input.eventTypes };
      // An empty name removes the header; the same name with no new value keeps it as it is.
      if (input.authHeader === null) {
        if (current.auth_header !== null) patch.authHeader = null;
      } else if (input.authHeader !== current.auth_header || input.authHeaderValue !== undefined) {
        patch.authHeader = input.authHeader;
        patch.authHeaderValue = input.authHeaderValue;
      }
      let updated;
      try {
        updated = await webhooks.subscriptions.update(organization.id, current.id, patch);
      } catch (error) {
        return again(problemOf(error, FIELDS));
      }
      const fields = [
        ...(updated.url !== current.url ? ['webhook_url'] : []),
        ...(updated.event_types.join() !== current.event_types.join() ? ['event_types'] : []),
        ...('authHeader' in patch ? ['auth_header'] : []),
      ];
      record(request, 'webhook.updated', organization.id, { webhook_id: current.id, fields });
      return reply.redirect(`${webhookPath(organization.id, current.id)}?notice=saved`, 303);
    },
  );

  app.post(
    `${webhookPath(':id', ':subscriptionId')}/enable`,
    {
      schema: {
        summary: 'Console: enable a webhook subscription (form)',
        params: hookParams,
        body: { type: 'object', additionalProperties: false, required: ['csrf'], properties: { csrf } },
      },
    },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { organization, subscription } = await readSubscription(request.params.id, request.params.subscriptionId);
      await webhooks.subscriptions.update(organization.id, subscription.id, { status: 'enabled' });
      record(request, 'webhook.updated', organization.id, { webhook_id: subscription.id, fields: ['status'], status: 'enabled' });
      return reply.redirect(`${webhookPath(organization.id, subscription.id)}?notice=enabled`, 303);
    },
  );

  const confirmBody = { type: 'object', additionalProperties: false, required: ['csrf', 'confirm'], properties: { csrf, confirm: confirmed } } as const;
  const confirmations = {
    disable: {
      title: (s: Subscription) => `Disable the webhook to ${s.url}?`,
      breaks:
        'Gatehouse stops sending to this URL at once. Events that happen while it is disabled are not delivered, not even later, and retries still waiting end as failed (after enabling it again, "Recover since" sends those). Enabling it again also clears its failure history.',
      button: 'Yes, disable the webhook',
    },
    'rotate-secret': {
      title: (s: Subscription) => `Rotate the signing secret of the webhook to ${s.url}?`,
      breaks:
        'A new secret signs every delivery from now on. The current one keeps signing alongside it for 24 hours (two signatures per message); after that, a receiver that still checks only the old secret refuses every delivery.',
      button: 'Yes, rotate the secret',
    },
    delete: {
      title: (s: Subscription) => `Delete the webhook to ${s.url}?`,
      breaks:
        'The subscription, its pending deliveries and its whole delivery log are removed for good: nothing more is sent to this URL, and what failed can no longer be recovered. This cannot be undone.',
      button: 'Yes, delete the webhook',
    },
  } as const;

  for (const [action, words] of Object.entries(confirmations)) {
    app.get(
      `${webhookPath(':id', ':subscriptionId')}/${action}`,
      { schema: { summary: `Console: confirm (${action}) a webhook subscription`, params: hookParams } },
      async (request, reply) => {
        const { organization, subscription } = await readSubscription(request.params.id, request.params.subscriptionId);
        const here = webhookPath(organization.id, subscription.id);
        return confirmPage(services, request, reply, {
          title: words.title(subscription),
          breaks: words.breaks,
          action: `${here}/${action}`,
          button: words.button,
          back: here,
        });
      },
    );
  }

  app.post(
    `${webhookPath(':id', ':subscriptionId')}/disable`,
    { schema: { summary: 'Console: disable a webhook subscription (form)', params: hookParams, body: confirmBody } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { organization, subscription } = await readSubscription(request.params.id, request.params.subscriptionId);
      await webhooks.subscriptions.update(organization.id, subscription.id, { status: 'disabled' });
      record(request, 'webhook.updated', organization.id, { webhook_id: subscription.id, fields: ['status'], status: 'disabled' });
      return reply.redirect(`${webhookPath(organization.id, subscription.id)}?notice=disabled`, 303);
    },
  );

  app.post(
    `${webhookPath(':id', ':subscriptionId')}/rotate-secret`,
    { schema: { summary: 'Console: rotate the signing secret of a webhook subscription (form)', params: hookParams, body: confirmBody } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { organization, subscription } = await readSubscription(request.params.id, request.params.subscriptionId);
      const rotated = await webhooks.subscriptions.rotateSecret(organization.id, subscription.id);
      record(request, 'webhook.secret_rotated', organization.id, { webhook_id: subscription.id });
      return consolePage(
        services,
        request,
        reply,
        200,
        'New signing secret',
        html`${organizationHeader(organization, 'New signing secret')}<div class="card wide">
${secretField('signing-secret', 'Signing secret', rotated.secret)}
<p><strong>This is the only time the secret is shown.</strong> The previous secret keeps signing alongside it until ${when(rotated.subscription.previous_secret_expires_at)}.</p>
<p><a href="${webhookPath(organization.id, subscription.id)}">Back to the subscription</a></p></div>`,
      );
    },
  );

  app.post(
    `${webhookPath(':id', ':subscriptionId')}/delete`,
    { schema: { summary: 'Console: delete a webhook subscription (form)', params: hookParams, body: confirmBody } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { organization, subscription } = await readSubscription(request.params.id, request.params.subscriptionId);
      await webhooks.subscriptions.remove(organization.id, subscription.id);
      record(request, 'webhook.deleted', organization.id, { webhook_id: subscription.id });
      return reply.redirect(webhooksPath(organization.id), 303);
    },
  );
}
