// The event catalog: every event type Gatehouse emits, with the JSON schema of its `data`.
// Payloads are {type, timestamp, data}; webhook subscribers choose types from this list.
// Each event's data type is derived from its schema (EventData), so an emitter that leaves out a
// required field or gives one the wrong type does not compile.
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

const id = { type: 'string' } as const;
const when = { type: 'string', format: 'date-time' } as const;
const nullableText = { type: ['string', 'null'] } as const;
const role = { type: 'string', enum: ['owner', 'admin', 'member'] } as const;
const names = { firstName: nullableText, lastName: nullableText } as const;

function schema<const Properties extends Record<string, JSONSchema>, const Required extends readonly (keyof Properties & string)[]>(
  properties: Properties,
  required: Required,
) {
  return { type: 'object', properties, required, additionalProperties: true } as const;
}

export const EVENT_TYPES = {
  'organization.created': schema({ organizationId: id, vendorId: id, name: { type: 'string' }, vendorOrganizationId: { type: ['string', 'null'] } }, [
    'organizationId',
    'vendorId',
    'name',
  ]),
  'user.added': schema({ organizationId: id, userId: id, email: { type: 'string' }, role, ...names, vendorUserId: nullableText }, [
    'organizationId',
    'userId',
    'email',
    'role',
  ]),
  'user.updated': schema(
    {
      organizationId: id,
      userId: id,
      email: { type: 'string' },
      role,
      ...names,
      changed: { type: 'array', items: { type: 'string', enum: ['firstName', 'lastName', 'role'] } },
      previousRole: { ...role, description: 'set when the role changed' },
    },
    ['organizationId', 'userId', 'role', 'changed'],
  ),
  'user.first_login': schema({ organizationId: id, userId: id, at: when }, ['organizationId', 'userId']),
  'user.removed': schema({ organizationId: id, userId: id, email: { type: 'string' } }, ['organizationId', 'userId']),
  'session.created': schema({ organizationId: id, userId: id, expiresAt: when }, ['organizationId', 'userId']),
  'integration.created': schema({ organizationId: id, integrationId: id, vendorId: id, integrationKind: { type: 'string' } }, [
    'organizationId',
    'integrationId',
    'vendorId',
  ]),
  'integration.credentials_updated': schema({ organizationId: id, integrationId: id, vendorId: id }, ['organizationId', 'integrationId', 'vendorId']),
  'integration.status_changed': schema({ organizationId: id, integrationId: id, from: { type: 'string' }, to: { type: 'string' } }, [
    'organizationId',
    'integrationId',
    'to',
  ]),
  'token.revoked': schema({ organizationId: id, clientId: id, userId: { type: ['string', 'null'] }, reason: { type: 'string' } }, ['clientId']),
  'connection.created': schema({ organizationId: id, connectionId: id, connectorId: id }, ['organizationId', 'connectionId', 'connectorId']),
  'connection.refresh_failed': schema({ organizationId: id, connectionId: id, connectorId: id, error: { type: 'string' }, failures: { type: 'integer' } }, [
    'organizationId',
    'connectionId',
  ]),
  'connection.updated': schema(
    { organizationId: id, connectionId: id, connectorId: id, changed: { type: 'array', items: { type: 'string', enum: ['config', 'credentials'] } } },
    ['organizationId', 'connectionId', 'connectorId', 'changed'],
  ),
  'connection.verification_failed': schema(
    {
      organizationId: id,
      connectionId: id,
      connectorId: id,
      error: { type: 'string' },
      vendorStatus: { type: ['integer', 'null'], description: "the vendor's HTTP status, null when it could not be reached" },
    },
    ['organizationId', 'connectionId', 'connectorId', 'error'],
  ),
  'connection.deleted': schema({ organizationId: id, connectionId: id, connectorId: id }, ['organizationId', 'connectionId']),
  'webhook.disabled': schema({ organizationId: id, webhookId: id, reason: { type: 'string' } }, ['organizationId', 'webhookId', 'reason']),
} as const;

export type EventType = keyof typeof EVENT_TYPES;

/** The `data` of an event of type T, as its catalog schema describes it. */
export type EventData<T extends EventType> = FromSchema<(typeof EVENT_TYPES)[T]>;
