// Schemas and views shared by the connector endpoints. Views list their fields, so neither the
// client secret nor a token can leave the server by accident.
import type { ConnectionRow } from '../connections.ts';
import type { Connector } from '../connectors.ts';
import { definitionProperties } from '../definition.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;
const nullableStr = { type: ['string', 'null'] };

const { clientSecret: _secret, ...publicDefinition } = definitionProperties;
// A field that does not apply to the connector's auth mode (grantType for an API key) is null.
const viewDefinition = Object.fromEntries(
  Object.entries(publicDefinition).map(([key, schema]) => {
    const type = (schema as { type?: string | readonly string[] }).type;
    if (type === undefined) return [key, schema];
    return [key, { ...schema, type: [...new Set([...(Array.isArray(type) ? type : [type]), 'null'])] }];
  }),
);

export const connectorView = {
  type: 'object',
  properties: {
    connector_id: { type: 'string' },
    ...viewDefinition,
    redirect_uri: { type: 'string', description: 'register this redirect URI with the vendor' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
};

export function connectorBody(c: Connector, redirectUri: string) {
  return { connector_id: c.id, ...c.definition, redirect_uri: redirectUri, created_at: c.createdAt.toISOString(), updated_at: c.updatedAt.toISOString() };
}

export const connectionView = {
  type: 'object',
  properties: {
    connection_id: { type: 'string' },
    connector_id: { type: 'string' },
    organization_id: { type: 'string' },
    status: { type: 'string', enum: ['active', 'broken', 'unverified'] },
    // The connection's settings; its credentials are never shown.
    config: { type: 'object', additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] } },
    verification_error: { ...nullableStr, description: 'why the credentials could not be checked with the vendor (status unverified)' },
    expires_at: nullableStr,
    last_refresh_at: nullableStr,
    refresh_failures: { type: 'integer' },
    last_error: nullableStr,
    scope: nullableStr,
    connected_at: { type: 'string' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
};

export function connectionBody(r: ConnectionRow) {
  return {
    connection_id: r.id,
    connector_id: r.connector_id,
    organization_id: r.organization_id,
    status: r.status,
    config: r.config,
    verification_error: r.verification_error,
    expires_at: iso(r.expires_at),
    last_refresh_at: iso(r.last_refresh_at),
    refresh_failures: r.refresh_failures,
    last_error: r.last_error,
    scope: r.scope,
    connected_at: r.connected_at.toISOString(),
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

export const connectLinkBody = {
  type: 'object',
  additionalProperties: false,
  required: ['organization_id'],
  properties: { organization_id: { type: 'string', minLength: 1, maxLength: 100 }, ttl_seconds: { type: 'integer', minimum: 60, maximum: 7 * 86400 } },
} as const;

export const connectLinkView = {
  type: 'object',
  properties: { url: { type: 'string' }, expires_at: { type: 'string' }, connector_id: { type: 'string' }, organization_id: { type: 'string' } },
};
