// JSON schemas of the webhook endpoints, shared by the MSP API and the admin API. Input schemas
// refuse unknown fields; output schemas list exactly what may leave the server (never a sealed
// secret or the auth header's value).
import { EVENT_TYPES } from '../../events/catalog.ts';
import { HEADER_NAME_MAX, HEADER_VALUE_MAX, URL_MAX } from '../validate.ts';

export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES);

const eventTypes = {
  type: 'array',
  minItems: 1,
  maxItems: EVENT_TYPE_NAMES.length * 2,
  items: { type: 'string', enum: EVENT_TYPE_NAMES },
  description: 'Event types to receive (see the webhooks section of this document)',
} as const;
const nullableString = (maxLength: number) => ({ type: ['string', 'null'], maxLength }) as const;

const common = {
  webhook_url: { type: 'string', minLength: 1, maxLength: URL_MAX, description: 'https URL that receives the events' },
  eventTypes,
  event_types: { ...eventTypes, description: 'Same as eventTypes' },
  auth_header: { ...nullableString(HEADER_NAME_MAX), description: 'Name of a static header sent with every delivery' },
  auth_header_value: { ...nullableString(HEADER_VALUE_MAX), description: 'Its value (stored encrypted, never shown again)' },
} as const;

export const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['webhook_url'],
  properties: common,
} as const;

export const updateBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { ...common, status: { type: 'string', enum: ['enabled', 'disabled'] } },
} as const;

export const recoverBody = {
  type: 'object',
  additionalProperties: false,
  required: ['since'],
  properties: { since: { type: 'string', format: 'date-time', description: 'Send again every delivery that failed since this time' } },
} as const;

export const webhookView = {
  type: 'object',
  properties: {
    webhook_id: { type: 'string' },
    webhook_url: { type: 'string' },
    eventTypes: { type: 'array', items: { type: 'string' } },
    auth_header: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['enabled', 'disabled'] },
    disabled_reason: { type: ['string', 'null'] },
    previous_secret_expires_at: { type: ['string', 'null'], description: 'While set and in the future, the previous secret signs too' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
};

export const withSecret = {
  type: 'object',
  properties: { ...webhookView.properties, secret: { type: 'string', description: 'The signing secret (whsec_...), shown this once' } },
};

export const attemptView = {
  type: 'object',
  properties: {
    attempt_id: { type: 'string' },
    delivery_id: { type: 'string' },
    event_id: { type: 'string', description: 'The webhook-id header: the same on every attempt of a delivery' },
    event_type: { type: 'string' },
    delivery_status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempted_at: { type: 'string' },
    status_code: { type: ['integer', 'null'] },
    duration_ms: { type: 'integer' },
    response_body: { type: ['string', 'null'], description: 'The first 1024 bytes of the response' },
    error: { type: ['string', 'null'] },
    trigger: { type: 'string', enum: ['scheduled', 'manual'] },
  },
};

export const errorBody = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
};

// Typed by the one parameter every surface has: FromSchema needs `required` as a fixed tuple, and
// the surface's own parameters (from `base`) are known only at run time.
export const webhookParams = (extra: Record<string, unknown>) =>
  ({
    type: 'object',
    required: [...Object.keys(extra), 'webhook_id'] as string[] as unknown as readonly ['webhook_id'],
    properties: { ...extra, webhook_id: { type: 'string', minLength: 1, maxLength: 100 } },
  }) as const;
