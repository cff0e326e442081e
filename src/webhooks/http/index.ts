// Every webhook endpoint, mounted on a surface (the MSP API, the admin API).
import type { App } from '../../http/route-types.ts';
import type { WebhookSurface } from './context.ts';
import { createWebhookRoute } from './create.ts';
import { deleteWebhookRoute } from './remove.ts';
import { getWebhookRoute } from './get.ts';
import { listDeliveriesRoute } from './list-deliveries.ts';
import { listWebhooksRoute } from './list.ts';
import { recoverRoute } from './recover.ts';
import { resendRoute } from './resend.ts';
import { rotateSecretRoute } from './rotate-secret.ts';
import { updateWebhookRoute } from './update.ts';

export type { WebhookSurface } from './context.ts';

export function webhookRoutes(app: App, surface: WebhookSurface) {
  createWebhookRoute(app, surface);
  listWebhooksRoute(app, surface);
  getWebhookRoute(app, surface);
  updateWebhookRoute(app, surface);
  deleteWebhookRoute(app, surface);
  rotateSecretRoute(app, surface);
  listDeliveriesRoute(app, surface);
  resendRoute(app, surface);
  recoverRoute(app, surface);
}
