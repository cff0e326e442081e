// Admin API: organizations (with their users; src/admin/users.ts manages those), their OEM token (rotate or revoke) and integrations.
import type { App } from '../http/route-types.ts';
import type { Organization } from '../organizations/organizations.ts';
import type { Services } from '../services.ts';
import { integrationView, integrationViewSchema } from './integrations.ts';
import { adminError, idParam } from './schemas.ts';
import { userSchema, userView } from './users.ts';

function organizationView(o: Organization) {
  return {
    organization_id: o.id,
    vendor_id: o.vendor_id,
    name: o.name,
    vendor_organization_id: o.vendor_organization_id,
    oem_token: o.oem_token_hash ? 'active' : 'revoked',
    created_at: o.created_at.toISOString(),
    updated_at: o.updated_at.toISOString(),
  };
}

const nullableStr = { type: ['string', 'null'] };
const view = {
  type: 'object',
  properties: {
    organization_id: { type: 'string' },
    vendor_id: { type: 'string' },
    name: { type: 'string' },
    vendor_organization_id: nullableStr,
    oem_token: { type: 'string', enum: ['active', 'revoked'] },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
};
const detail = { type: 'object', properties: { ...view.properties, users: { type: 'array', items: userSchema } } };

export function adminOrganizationRoutes(app: App, { organizations, integrations, audit, mspcAuth }: Services) {
  const tags = ['admin: organizations'];
  const errors = { '4xx': adminError };
  const record = (action: string, id: string, ip: string) => audit.record({ action, outcome: 'success', actor: 'admin', ip, details: { organization_id: id } });

  app.get(
    '/organizations',
    {
      schema: {
        tags,
        summary: 'List organizations (by id; page with after=<last id>)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            vendor_id: { type: 'string', maxLength: 100 },
            after: { type: 'string', maxLength: 100 },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
        response: { 200: { type: 'object', properties: { organizations: { type: 'array', items: view } } } },
      },
    },
    async (request) => {
      const q = request.query;
      return { organizations: (await organizations.list({ vendorId: q.vendor_id, after: q.after, limit: q.limit })).map(organizationView) };
    },
  );

  app.get(
    '/organizations/:id',
    { schema: { tags, summary: 'Get an organization and its users', params: idParam, response: { 200: detail, ...errors } } },
    async (request) => {
      const { id } = request.params;
      const organization = await organizations.get(id);
      return { ...organizationView(organization), users: (await organizations.users(id)).map(userView) };
    },
  );

  app.post(
    '/organizations/:id/oem-token/rotate',
    {
      schema: {
        tags,
        summary: 'Replace the organization OEM token (the old one stops working at once; the new one is shown once)',
        params: idParam,
        response: { 200: { type: 'object', properties: { organization_id: { type: 'string' }, organization_oem_token: { type: 'string' } } }, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const token = await organizations.rotateOemToken(id);
      mspcAuth.invalidate({ topic: 'organization', id });
      record('organization.oem_token_rotated', id, request.ip);
      return { organization_id: id, organization_oem_token: token };
    },
  );

  app.delete(
    '/organizations/:id/oem-token',
    {
      schema: { tags, summary: 'Revoke the organization OEM token', params: idParam, response: { 204: { type: 'null' }, ...errors } },
    },
    async (request, reply) => {
      const { id } = request.params;
      await organizations.revokeOemToken(id);
      mspcAuth.invalidate({ topic: 'organization', id });
      record('organization.oem_token_revoked', id, request.ip);
      return reply.status(204).send();
    },
  );

  app.get(
    '/organizations/:id/integrations',
    {
      schema: {
        tags,
        summary: "List an organization's integrations",
        params: idParam,
        response: { 200: { type: 'object', properties: { integrations: { type: 'array', items: integrationViewSchema } } }, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      await organizations.get(id);
      return { integrations: (await integrations.listForOrganization(id)).map((i) => integrationView(i)) };
    },
  );
}
