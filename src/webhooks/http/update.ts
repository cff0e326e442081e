// PATCH .../webhooks/{webhook_id}: change the URL, the event types or the static header, or
// enable and disable. Enabling clears the failure history that disabled it.
import type { App } from '../../http/route-types.ts';
import { audited, type WebhookSurface } from './context.ts';
import { eventTypesOf } from './create.ts';
import { errorBody, updateBody, webhookParams, webhookView as viewSchema } from './schemas.ts';
import { webhookView } from './views.ts';

export function updateWebhookRoute(app: App, surface: WebhookSurface) {
  const { webhooks } = surface.services;
  app.patch(
    `${surface.base}/webhooks/:webhook_id`,
    {
      schema: {
        tags: surface.tags,
        summary: 'Update a webhook subscription (URL, event types, header, status)',
        params: webhookParams(surface.baseParams),
        body: updateBody,
        response: { 200: viewSchema, '4xx': errorBody },
      },
    },
    async (request) => {
      const { webhook_id } = request.params;
      const body = request.body;
      const updated = await webhooks.subscriptions.update(surface.organizationOf(request), webhook_id, {
        url: body.webhook_url,
        eventTypes: eventTypesOf(body),
        authHeader: body.auth_header,
        authHeaderValue: body.auth_header_value,
        status: body.status,
      });
      audited(surface, request, 'webhook.updated', { webhook_id, fields: Object.keys(body) });
      return webhookView(updated);
    },
  );
}
