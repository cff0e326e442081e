// Admin API: connector definitions (create, list, get, update, delete) and one-time connect links.
import type { App } from '../../http/route-types.ts';
import { adminError, idParam } from '../../admin/schemas.ts';
import { errors as catalog } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { definitionInputSchema, definitionPatchSchema } from '../definition.ts';
import { connectLinkBody, connectLinkView, connectorBody, connectorView } from './schemas.ts';
import { fromTemplate } from './templates.ts';

export function adminConnectorRoutes(app: App, { connectors: service, organizations, audit }: Services) {
  const tags = ['admin: connectors'];
  const errors = { '4xx': adminError };
  const redirectUri = service.authorization.redirectUri;
  const view = (c: Parameters<typeof connectorBody>[0]) => connectorBody(c, redirectUri);
  const record = (action: string, ip: string, details: Record<string, unknown>) => audit.record({ action, outcome: 'success', actor: 'admin', ip, details });

  app.post(
    '/connectors',
    {
      schema: {
        tags,
        summary: 'Define a connector (seed 004); the client secret is stored encrypted and never shown again',
        description:
          'The body is a definition, or `{"template": NAME, "overrides": {...}}`: a template of GET /connector-templates with the fields given merged over it (an OAuth client\'s clientId and clientSecret, say), validated as a definition.',
        body: definitionInputSchema,
        response: { 201: connectorView, ...errors },
      },
      // Before the schema: a template and its overrides become the definition the schema checks.
      preValidation: async (request) => {
        request.body = fromTemplate(service.catalogue, request.body) as typeof request.body;
      },
    },
    async (request, reply) => {
      const connector = await service.connectors.create(request.body);
      record('connector.created', request.ip, { connector_id: connector.id });
      return reply.status(201).send(view(connector));
    },
  );

  app.get(
    '/connectors',
    {
      schema: { tags, summary: 'List connectors', response: { 200: { type: 'object', properties: { connectors: { type: 'array', items: connectorView } } } } },
    },
    async () => ({ connectors: (await service.connectors.list()).map(view) }),
  );

  app.get('/connectors/:id', { schema: { tags, summary: 'Get a connector', params: idParam, response: { 200: connectorView, ...errors } } }, async (request) =>
    view(await service.connectors.get(request.params.id)),
  );

  app.patch(
    '/connectors/:id',
    {
      schema: {
        tags,
        summary: 'Change a connector (fields given replace the stored ones; null restores a default)',
        params: idParam,
        body: definitionPatchSchema,
        response: { 200: connectorView, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const connector = await service.connectors.update(id, request.body);
      record('connector.updated', request.ip, { connector_id: id, fields: Object.keys(request.body) });
      return view(connector);
    },
  );

  app.delete(
    '/connectors/:id',
    {
      schema: { tags, summary: 'Delete a connector (409 while it has connections)', params: idParam, response: { 204: { type: 'null' }, ...errors } },
    },
    async (request, reply) => {
      const { id } = request.params;
      await service.connectors.remove(id);
      record('connector.deleted', request.ip, { connector_id: id });
      return reply.status(204).send();
    },
  );

  app.post(
    '/connectors/:id/connect-links',
    {
      schema: {
        tags,
        summary: 'Create a one-time link that connects an organization through this connector',
        params: idParam,
        body: connectLinkBody,
        response: { 201: connectLinkView, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const body = request.body;
      const connector = await service.connectors.get(id);
      await organizations.get(body.organization_id);
      if (connector.definition.grantType === 'client_credentials') {
        throw catalog.Invalid('this connector uses client credentials: create the connection with POST /connections');
      }
      const link = await service.links.create(id, body.organization_id, 'admin', body.ttl_seconds);
      record('connect_link.created', request.ip, { connector_id: id, organization_id: body.organization_id });
      reply.header('cache-control', 'no-store');
      return reply.status(201).send({ url: link.url, expires_at: link.expiresAt.toISOString(), connector_id: id, organization_id: body.organization_id });
    },
  );
}
