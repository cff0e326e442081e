// GET /api/oem-api/organization/:organizationId/integrations: the organization's integrations
// (never their credentials or keys). Bearer access token with vendor_manage.
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { authenticateVendor } from './caller.ts';
import { errorResponses, noQuery } from '../http/oem-surface.ts';
import { idProperty } from './integration-schemas.ts';
import { ownedOrganization } from './organization-token.ts';

export const organizationParams = {
  type: 'object',
  additionalProperties: false,
  required: ['organizationId'],
  properties: { organizationId: idProperty },
} as const;

const integrationItem = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    vendorId: { type: 'string' },
    vendorName: { type: 'string' },
    integrationKind: { type: 'string', enum: ['external', 'custom_hosted'] },
    status: { type: 'string', enum: ['inactive', 'pending', 'active'] },
    disabled: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
    lastUsedAt: { type: ['string', 'null'], format: 'date-time' },
  },
  required: ['id', 'vendorId', 'integrationKind', 'status'],
};

const list = {
  type: 'object',
  properties: {
    status: { type: 'integer' },
    organizationId: { type: 'string' },
    integrations: { type: 'array', items: integrationItem },
  },
  required: ['status', 'organizationId', 'integrations'],
};

export function listIntegrationsRoute(app: App, services: Services) {
  app.get(
    '/organization/:organizationId/integrations',
    {
      schema: {
        summary: "List an organization's integrations (Bearer access token with vendor_manage)",
        params: organizationParams,
        querystring: noQuery,
        security: [{ oemAccessToken: [] }],
        response: { 200: list, ...errorResponses },
      },
    },
    async (request) => {
      const { vendor } = await authenticateVendor(request, undefined, 'vendor_manage', services);
      const organization = await ownedOrganization(request.params.organizationId, vendor, services);
      const integrations = await services.integrations.listForOrganization(organization.id);
      services.audit.record({
        action: 'integration.listed',
        outcome: 'success',
        actor: vendor.id,
        clientId: vendor.client_id,
        ip: request.ip,
        details: { organization_id: organization.id },
      });
      return {
        status: 200,
        organizationId: organization.id,
        integrations: integrations.map((i) => ({
          id: i.id,
          vendorId: i.vendor_id,
          vendorName: i.vendor_name,
          integrationKind: i.kind,
          status: i.status,
          disabled: i.disabled_at !== null,
          createdAt: i.created_at.toISOString(),
          lastUsedAt: i.last_used_at?.toISOString() ?? null,
        })),
      };
    },
  );
}
