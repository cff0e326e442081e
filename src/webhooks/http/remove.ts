// DELETE .../webhooks/{webhook_id}: the subscription, its deliveries and their log.
import type { App } from '../../http/route-types.ts';
import { audited, type WebhookSurface } from './context.ts';
import { errorBody, webhookParams } from './schemas.ts';

export function deleteWebhookRoute(app: App, surface: WebhookSurface) {
  const { webhooks } = surface.services;
  app.delete(
    `${surface.base}/webhooks/:webhook_id`,
    {
      schema: {
        tags: surface.tags,
        summary: 'Delete a webhook subscription',
        params: webhookParams(surface.baseParams),
        response: { 204: { type: 'null' }, '4xx': errorBody },
      },
    },
    async (request, reply) => {
      const { webhook_id } = request.params;
      await webhooks.subscriptions.remove(surface.organizationOf(request), webhook_id);
      audited(surface, request, 'webhook.deleted', { webhook_id });
      return reply.status(204).send();
    },
  );
}
