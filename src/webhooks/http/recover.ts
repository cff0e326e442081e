// POST .../webhooks/{webhook_id}/recover {since}: send again every delivery that failed since
// a time (after fixing a receiver, say), each under its own webhook-id.
import type { App } from '../../http/route-types.ts';
import { parseDateTime } from '../../db/storable.ts';
import { audited, type WebhookSurface } from './context.ts';
import { errorBody, recoverBody, webhookParams } from './schemas.ts';

export function recoverRoute(app: App, surface: WebhookSurface) {
  const { webhooks } = surface.services;
  app.post(
    `${surface.base}/webhooks/:webhook_id/recover`,
    {
      schema: {
        tags: surface.tags,
        summary: 'Resend every failed delivery since a time',
        params: webhookParams(surface.baseParams),
        body: recoverBody,
        response: { 202: { type: 'object', properties: { recovered: { type: 'integer' } } }, '4xx': errorBody },
      },
    },
    async (request, reply) => {
      const { webhook_id } = request.params;
      const since = parseDateTime(request.body.since, 'body/since');
      await webhooks.subscriptions.get(surface.organizationOf(request), webhook_id);
      const recovered = await webhooks.deliveries.recover(webhook_id, since);
      audited(surface, request, 'webhook.recovered', { webhook_id, since: since.toISOString(), recovered });
      return reply.status(202).send({ recovered });
    },
  );
}
