// POST .../webhooks (seed 002): subscribe a URL to event types. 201 with the webhook id, its
// status and the signing secret, shown this once.
import type { FastifyInstance } from 'fastify';
import { errors } from '../../errors.ts';
import { audited, type WebhookSurface } from './context.ts';
import { createBody, errorBody, withSecret } from './schemas.ts';
import { webhookView } from './views.ts';

export interface WebhookBody {
  webhook_url?: string;
  eventTypes?: string[];
  event_types?: string[];
  auth_header?: string | null;
  auth_header_value?: string | null;
  status?: 'enabled' | 'disabled';
}

/** eventTypes, or event_types (both spellings are accepted, not both at once). */
export function eventTypesOf(body: WebhookBody): string[] | undefined {
  if (body.eventTypes && body.event_types) throw errors.Invalid('body/event_types cannot be sent together with body/eventTypes');
  return body.eventTypes ?? body.event_types;
}

export function createWebhookRoute(app: FastifyInstance, surface: WebhookSurface) {
  const { webhooks } = surface.services;
  app.post(`${surface.base}/webhooks`, {
    schema: {
      tags: surface.tags, summary: 'Create a webhook subscription',
      ...(surface.base ? { params: { type: 'object', properties: surface.baseParams, required: Object.keys(surface.baseParams) } } : {}),
      body: createBody,
      response: { 201: withSecret, '4xx': errorBody },
    },
  }, async (request, reply) => {
    const body = request.body as WebhookBody;
    const eventTypes = eventTypesOf(body);
    if (!eventTypes) throw errors.Invalid('body/eventTypes is required');
    const { subscription, secret } = await webhooks.subscriptions.create(surface.organizationOf(request), {
      url: body.webhook_url!, eventTypes, authHeader: body.auth_header, authHeaderValue: body.auth_header_value,
    });
    audited(surface, request, 'webhook.created', { webhook_id: subscription.id });
    reply.header('cache-control', 'no-store');
    return reply.status(201).send({ ...webhookView(subscription), secret });
  });
}
