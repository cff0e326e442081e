// POST .../webhooks (seed 002): subscribe a URL to event types. 201 with the webhook id, its
// status and the signing secret, shown this once.
import type { App, FromSchema } from '../../http/route-types.ts';
import { errors } from '../../errors.ts';
import { audited, type WebhookSurface } from './context.ts';
import { createBody, errorBody, updateBody, withSecret } from './schemas.ts';
import { webhookView } from './views.ts';

/** A create or update body (update's fields are create's and the status). */
export type WebhookBody = FromSchema<typeof updateBody>;

/** eventTypes, or event_types (both spellings are accepted, not both at once). */
export function eventTypesOf(body: WebhookBody): string[] | undefined {
  if (body.eventTypes && body.event_types) throw errors.Invalid('body/event_types cannot be sent together with body/eventTypes');
  return body.eventTypes ?? body.event_types;
}

export function createWebhookRoute(app: App, surface: WebhookSurface) {
  const { webhooks } = surface.services;
  app.post(
    `${surface.base}/webhooks`,
    {
      schema: {
        tags: surface.tags,
        summary: 'Create a webhook subscription',
        ...(surface.base ? { params: { type: 'object', properties: surface.baseParams, required: Object.keys(surface.baseParams) } } : {}),
        body: createBody,
        response: { 201: withSecret, '4xx': errorBody },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const eventTypes = eventTypesOf(body);
      if (!eventTypes) throw errors.Invalid('body/eventTypes is required');
      const { subscription, secret } = await webhooks.subscriptions.create(surface.organizationOf(request), {
        url: body.webhook_url!,
        eventTypes,
        authHeader: body.auth_header,
        authHeaderValue: body.auth_header_value,
      });
      audited(surface, request, 'webhook.created', { webhook_id: subscription.id });
      reply.header('cache-control', 'no-store');
      return reply.status(201).send({ ...webhookView(subscription), secret });
    },
  );
}
