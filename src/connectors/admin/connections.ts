// Admin API: connections. Create one without a browser (API key, Basic, two-step and
// client-credentials connectors), replace its config or credentials,
// list them with status, last refresh and expiry, force a refresh, disconnect (revoking at the
// vendor when the connector names a revocation URL).
import type { App } from '../../http/route-types.ts';
import { adminError, idParam } from '../../admin/schemas.ts';
import type { Services } from '../../services.ts';
import { connectionBody, connectionView } from './schemas.ts';

// Settings are checked against the connector's connectionConfig and credentials (settings.ts).
const settings = {
  config: {
    type: 'object',
    maxProperties: 50,
    additionalProperties: { anyOf: [{ type: 'string', maxLength: 2000 }, { type: 'number' }, { type: 'boolean' }] },
  },
  credentials: { type: 'object', maxProperties: 20, additionalProperties: { type: 'string', maxLength: 4000 } },
} as const;
const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['connector_id', 'organization_id'],
  properties: {
    connector_id: { type: 'string', minLength: 1, maxLength: 100 },
    organization_id: { type: 'string', minLength: 1, maxLength: 100 },
    ...settings,
  },
} as const;
const updateBody = { type: 'object', additionalProperties: false, minProperties: 1, properties: settings } as const;
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    organization_id: { type: 'string', maxLength: 100 },
    connector_id: { type: 'string', maxLength: 100 },
    status: { type: 'string', enum: ['active', 'broken', 'unverified'] },
  },
} as const;

export function adminConnectionRoutes(app: App, { connectors: service, organizations, audit }: Services) {
  const tags = ['admin: connectors'];
  const errors = { '4xx': adminError, '5xx': adminError };
  const record = (action: string, ip: string, details: Record<string, unknown>) => audit.record({ action, outcome: 'success', actor: 'admin', ip, details });

  app.post(
    '/connections',
    {
      schema: {
        tags,
        summary: 'Connect an organization without a browser: API key, Basic, two-step or client-credentials connectors',
        description: "config and credentials follow the connector's connectionConfig and credentials; credentials are stored sealed and never shown again.",
        body: createBody,
        response: { 201: connectionView, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      await organizations.get(body.organization_id);
      const { connection } = await service.connect(body.connector_id, body.organization_id, { config: body.config, credentials: body.credentials });
      record('connection.connected', request.ip, { connection_id: connection.id, connector_id: body.connector_id, organization_id: body.organization_id });
      return reply.status(201).send(connectionBody(connection));
    },
  );

  app.patch(
    '/connections/:id',
    {
      schema: {
        tags,
        summary: "Replace a connection's config or credentials (verified again with the vendor)",
        params: idParam,
        body: updateBody,
        response: { 200: connectionView, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const connection = await service.update(id, { config: request.body.config, credentials: request.body.credentials });
      // Which settings changed, never their values.
      record('connection.updated', request.ip, { connection_id: id, changed: Object.keys(request.body) });
      return connectionBody(connection);
    },
  );

  app.get(
    '/connections',
    {
      schema: {
        tags,
        summary: 'List connections (status, last refresh, expiry)',
        querystring: listQuery,
        response: { 200: { type: 'object', properties: { connections: { type: 'array', items: connectionView } } } },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await service.connections.list({ organizationId: q.organization_id, connectorId: q.connector_id, status: q.status });
      return { connections: rows.map(connectionBody) };
    },
  );

  app.get(
    '/connections/:id',
    { schema: { tags, summary: 'Get a connection', params: idParam, response: { 200: connectionView, ...errors } } },
    async (request) => connectionBody(await service.connections.get(request.params.id)),
  );

  app.post(
    '/connections/:id/refresh',
    {
      schema: { tags, summary: "Refresh the connection's token now", params: idParam, response: { 200: connectionView, ...errors } },
    },
    async (request) => {
      const { id } = request.params;
      const live = await service.credentials.live(id);
      if (!live) await service.connections.get(id); // 404
      else await service.credentials.refresh(id, live.version, 'requested');
      return connectionBody(await service.connections.get(id));
    },
  );

  app.delete(
    '/connections/:id',
    {
      schema: {
        tags,
        summary: 'Disconnect: revoke at the vendor (when a revocation URL is configured) and delete',
        params: idParam,
        response: {
          200: { type: 'object', properties: { connection_id: { type: 'string' }, deleted: { type: 'boolean' }, revoked: { type: 'boolean' } } },
          ...errors,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { revoked } = await service.disconnect(id);
      record('connection.deleted', request.ip, { connection_id: id, revoked });
      return { connection_id: id, deleted: true, revoked };
    },
  );
}
