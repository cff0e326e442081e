// POST .../webhooks/{webhook_id}/deliveries/{delivery_id}/resend: send one delivery again now,
// under the same webhook-id, with a fresh retry schedule.
import type { App } from '../../http/route-types.ts';
import { audited, type WebhookSurface } from './context.ts';
import { errorBody, webhookParams } from './schemas.ts';

export function resendRoute(app: App, surface: WebhookSurface) {
  const { webhooks } = surface.services;
  const params = webhookParams(surface.baseParams);
  app.post(
    `${surface.base}/webhooks/:webhook_id/deliveries/:delivery_id/resend`,
    {
      schema: {
        tags: surface.tags,
        summary: 'Resend one delivery',
        params: {
          ...params,
          required: [...params.required, 'delivery_id'],
          properties: { ...params.properties, delivery_id: { type: 'string', minLength: 1, maxLength: 100 } },
        },
        response: { 202: { type: 'object', properties: { delivery_id: { type: 'string' }, status: { type: 'string' } } }, '4xx': errorBody },
      },
    },
    async (request, reply) => {
      const { webhook_id, delivery_id } = request.params;
      await webhooks.subscriptions.get(surface.organizationOf(request), webhook_id);
      await webhooks.deliveries.resend(webhook_id, delivery_id);
      audited(surface, request, 'webhook.resent', { webhook_id, delivery_id });
      return reply.status(202).send({ delivery_id, status: 'pending' });
    },
  );
}
