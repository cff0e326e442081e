// GET /api/oem-api/organization/:organizationId/vendors: every enabled vendor with the state of
// its integration with the organization ("not_integrated" when there is none), the catalogue an
// MSP sees. Bearer access token with vendor_manage.
import type { App } from '../http/route-types.ts';
import type { IntegrationWithVendor } from '../integrations/integrations.ts';
import type { Services } from '../services.ts';
import { authenticateVendor } from './caller.ts';
import { errorResponses, noQuery } from '../http/oem-surface.ts';
import { organizationParams } from './list-integrations.ts';
import { ownedOrganization } from './organization-token.ts';

const RANK = ['not_integrated', 'inactive', 'pending', 'active'];

const vendorItem = {
  type: 'object',
  properties: {
    vendorId: { type: 'string' },
    name: { type: 'string' },
    integrationStatus: { type: 'string', enum: RANK },
    integrations: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, integrationKind: { type: 'string' }, status: { type: 'string' }, disabled: { type: 'boolean' } },
      },
    },
  },
  required: ['vendorId', 'name', 'integrationStatus', 'integrations'],
};

const list = {
  type: 'object',
  properties: { status: { type: 'integer' }, organizationId: { type: 'string' }, vendors: { type: 'array', items: vendorItem } },
  required: ['status', 'organizationId', 'vendors'],
};

/** The most advanced state among a vendor's integrations; a disabled one counts as inactive. */
function overall(integrations: IntegrationWithVendor[]): string {
  let best = 0;
  for (const i of integrations) best = Math.max(best, RANK.indexOf(i.disabled_at ? 'inactive' : i.status));
  return RANK[best];
}

export function listVendorsRoute(app: App, services: Services) {
  app.get(
    '/organization/:organizationId/vendors',
    {
      schema: {
        summary: 'List vendors with their integration status for an organization (Bearer access token with vendor_manage)',
        params: organizationParams,
        querystring: noQuery,
        security: [{ oemAccessToken: [] }],
        response: { 200: list, ...errorResponses },
      },
    },
    async (request) => {
      const { vendor } = await authenticateVendor(request, undefined, 'vendor_manage', services);
      const organization = await ownedOrganization(request.params.organizationId, vendor, services);
      const [vendors, integrations] = await Promise.all([services.vendors.list(), services.integrations.listForOrganization(organization.id)]);
      services.audit.record({
        action: 'vendor.listed',
        outcome: 'success',
        actor: vendor.id,
        clientId: vendor.client_id,
        ip: request.ip,
        details: { organization_id: organization.id },
      });
      return {
        status: 200,
        organizationId: organization.id,
        vendors: vendors
          .filter(({ vendor: v }) => !v.disabled_at)
          .map(({ vendor: v }) => {
            const own = integrations.filter((i) => i.vendor_id === v.id);
            return {
              vendorId: v.id,
              name: v.name,
              integrationStatus: overall(own),
              integrations: own.map((i) => ({ id: i.id, integrationKind: i.kind, status: i.status, disabled: i.disabled_at !== null })),
            };
          }),
      };
    },
  );
}
