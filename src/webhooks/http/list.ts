// GET .../webhooks: the organization's subscriptions.
import type { App } from '../../http/route-types.ts';
import type { WebhookSurface } from './context.ts';
import { errorBody, webhookView as viewSchema } from './schemas.ts';
import { webhookView } from './views.ts';

export function listWebhooksRoute(app: App, surface: WebhookSurface) {
  const { webhooks } = surface.services;
  app.get(
    `${surface.base}/webhooks`,
    {
      schema: {
        tags: surface.tags,
        summary: 'List webhook subscriptions',
        ...(surface.base ? { params: { type: 'object', properties: surface.baseParams, required: Object.keys(surface.baseParams) } } : {}),
        querystring: { type: 'object', additionalProperties: false, properties: {} },
        response: { 200: { type: 'object', properties: { webhooks: { type: 'array', items: viewSchema } } }, '4xx': errorBody },
      },
    },
    async (request) => ({ webhooks: (await webhooks.subscriptions.list(surface.organizationOf(request))).map(webhookView) }),
  );
}
