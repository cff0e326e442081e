// GET .../webhooks/{webhook_id}/deliveries: the delivery log, one entry per attempt, newest
// first; page backwards with before=<attempt_id>.
import type { App } from '../../http/route-types.ts';
import { serialId } from '../../ops/validation.ts';
import type { WebhookSurface } from './context.ts';
import { attemptView as attemptSchema, errorBody, webhookParams } from './schemas.ts';
import { attemptView } from './views.ts';

export function listDeliveriesRoute(app: App, surface: WebhookSurface) {
  const { webhooks } = surface.services;
  app.get(
    `${surface.base}/webhooks/:webhook_id/deliveries`,
    {
      schema: {
        tags: surface.tags,
        summary: 'List delivery attempts (time, status code, duration, start of the response body)',
        params: webhookParams(surface.baseParams),
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 500 },
            before: { ...serialId, description: 'An attempt id: entries older than it' },
            delivery_id: { type: 'string', maxLength: 100 },
          },
        },
        response: { 200: { type: 'object', properties: { deliveries: { type: 'array', items: attemptSchema } } }, '4xx': errorBody },
      },
    },
    async (request) => {
      const { webhook_id } = request.params;
      const q = request.query;
      await webhooks.subscriptions.get(surface.organizationOf(request), webhook_id);
      const attempts = await webhooks.deliveries.attempts(webhook_id, { limit: q.limit, before: q.before, deliveryId: q.delivery_id });
      return { deliveries: attempts.map(attemptView) };
    },
  );
}
