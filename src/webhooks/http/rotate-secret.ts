// POST .../webhooks/{webhook_id}/rotate-secret: a new signing secret, shown once. The previous
// one keeps signing alongside it for 24 hours (two v1 signatures per message), so a receiver can
// switch without dropping a delivery.
import type { App } from '../../http/route-types.ts';
import { audited, type WebhookSurface } from './context.ts';
import { errorBody, webhookParams, withSecret } from './schemas.ts';
import { webhookView } from './views.ts';

export function rotateSecretRoute(app: App, surface: WebhookSurface) {
  const { webhooks } = surface.services;
  app.post(
    `${surface.base}/webhooks/:webhook_id/rotate-secret`,
    {
      schema: {
        tags: surface.tags,
        summary: 'Rotate the signing secret (the old one signs too for 24 hours)',
        params: webhookParams(surface.baseParams),
        response: { 200: withSecret, '4xx': errorBody },
      },
    },
    async (request, reply) => {
      const { webhook_id } = request.params;
      const { subscription, secret } = await webhooks.subscriptions.rotateSecret(surface.organizationOf(request), webhook_id);
      audited(surface, request, 'webhook.secret_rotated', { webhook_id });
      reply.header('cache-control', 'no-store');
      return { ...webhookView(subscription), secret };
    },
  );
}
