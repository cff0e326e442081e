// The event catalog in the OpenAPI document: each event type as an OpenAPI 3.1 webhook (the
// request Gatehouse sends) with its payload schema under components.schemas.
import type { OpenAPIV3_1 } from 'openapi-types';
import { EVENT_TYPES } from '../events/catalog.ts';

const headers = {
  'webhook-id': { description: 'Message id, the same on every attempt (deduplicate on it)' },
  'webhook-timestamp': { description: 'Seconds since the epoch when this attempt was signed' },
  'webhook-signature': { description: 'Space-separated `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per active secret' },
};

/** components.schemas entries, one per event type: `Event.<type>`. */
export function eventSchemas(): Record<string, object> {
  const schemas: Record<string, object> = {};
  for (const [type, data] of Object.entries(EVENT_TYPES)) {
    schemas[`Event.${type}`] = {
      type: 'object',
      required: ['type', 'timestamp', 'data'],
      properties: { type: { type: 'string', const: type }, timestamp: { type: 'string', format: 'date-time' }, data },
    };
  }
  return schemas;
}

/** The top-level `webhooks` object of an OpenAPI 3.1 document. */
export function eventWebhooks(): Record<string, OpenAPIV3_1.PathItemObject> {
  const webhooks: Record<string, OpenAPIV3_1.PathItemObject> = {};
  for (const type of Object.keys(EVENT_TYPES)) {
    webhooks[type] = {
      post: {
        summary: `${type} event`,
        parameters: Object.entries(headers).map(([name, { description }]) => ({ name, in: 'header', required: true, description, schema: { type: 'string' } })),
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/Event.${type}` } } } },
        responses: { '2XX': { description: 'Received. Anything else is retried; 410 disables the subscription.' } },
      },
    };
  }
  return webhooks;
}
