// Admin API: an operator manages any organization's webhook subscriptions with the same
// endpoints the MSP API offers, under /organizations/{organization_id}/webhooks.
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { webhookRoutes } from '../webhooks/http/index.ts';

export function adminWebhookRoutes(app: App, services: Services) {
  webhookRoutes(app, {
    services,
    base: '/organizations/:organization_id',
    baseParams: { organization_id: { type: 'string', minLength: 1, maxLength: 200 } },
    tags: ['admin: webhooks'],
    organizationOf: (request) => (request.params as { organization_id: string }).organization_id,
    actor: () => 'admin',
  });
}
