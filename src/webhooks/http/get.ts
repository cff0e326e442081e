// GET .../webhooks/{webhook_id}
import type { App } from '../../http/route-types.ts';
import type { WebhookSurface } from './context.ts';
import { errorBody, webhookParams, webhookView as viewSchema } from './schemas.ts';
import { webhookView } from './views.ts';

export function getWebhookRoute(app: App, surface: WebhookSurface) {
  const { webhooks } = surface.services;
  app.get(
    `${surface.base}/webhooks/:webhook_id`,
    {
      schema: {
        tags: surface.tags,
        summary: 'Get a webhook subscription',
        params: webhookParams(surface.baseParams),
        response: { 200: viewSchema, '4xx': errorBody },
      },
    },
    async (request) => {
      const { webhook_id } = request.params;
      return webhookView(await webhooks.subscriptions.get(surface.organizationOf(request), webhook_id));
    },
  );
}
