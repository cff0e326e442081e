// POST /api/connectors/{id}/connect-links: the organization's vendor asks for a one-time link
// that connects one of its organizations to a connector (a Bearer access token of the vendor's
// OAuth client with scope vendor_manage).
import type { App } from '../../http/route-types.ts';
import { errors } from '../../errors.ts';
import { bearerToken } from '../../http/authorization.ts';
import type { Services } from '../../services.ts';
import { connectLinkBody, connectLinkView } from '../admin/schemas.ts';
import { unauthorized, vendorOf } from './caller.ts';

const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } } as const;

export function vendorLinkRoute(app: App, services: Services) {
  app.post(
    '/api/connectors/:id/connect-links',
    {
      config: { audience: 'admin' },
      schema: {
        tags: ['connections'],
        summary: "Create a one-time connect link for one of the vendor's organizations",
        security: [{ oemAccessToken: [] }],
        params,
        body: connectLinkBody,
        response: { 201: connectLinkView },
      },
    },
    async (request, reply) => {
      const token = bearerToken(request.headers.authorization);
      const caller = token === undefined ? undefined : await vendorOf(services, token);
      if (!caller || caller.kind !== 'vendor') throw unauthorized('a vendor access token (scope vendor_manage) is required');
      const { id } = request.params;
      const body = request.body;
      const organization = await services.organizations.find(body.organization_id);
      if (!organization || organization.vendor_id !== caller.vendorId) {
        throw errors.NotFound('organization', body.organization_id);
      }
      const connector = await services.connectors.connectors.get(id);
      if (connector.definition.grantType === 'client_credentials') throw errors.Invalid('this connector uses client credentials: it needs no connect link');
      const link = await services.connectors.links.create(id, organization.id, `vendor:${caller.vendorId}`, body.ttl_seconds);
      services.audit.record({
        action: 'connect_link.created',
        outcome: 'success',
        actor: `vendor:${caller.vendorId}`,
        clientId: caller.clientId,
        ip: request.ip,
        details: { connector_id: id, organization_id: organization.id },
      });
      reply.header('cache-control', 'no-store');
      return reply.status(201).send({ url: link.url, expires_at: link.expiresAt.toISOString(), connector_id: id, organization_id: organization.id });
    },
  );
}
