// PATCH /api/oem-api/integration (seed 000): replace the credentials of the organization's
// custom_hosted integration with the calling vendor.
import type { App } from '../http/route-types.ts';
import { errors } from '../errors.ts';
import type { Services } from '../services.ts';
import { authenticateVendor, credentialProperties, vendorNotAuthorized } from './caller.ts';
import { errorResponses } from '../http/oem-surface.ts';
import { integrationData } from './integration-schemas.ts';
import { organizationFromToken, organizationTokenProperty } from './organization-token.ts';
import { examples } from '../ops/api-examples.ts';

const body = {
  type: 'object',
  examples: [examples.customHostedIntegration],
  additionalProperties: false,
  required: ['organizationOemToken', 'data'],
  properties: { ...credentialProperties, organizationOemToken: organizationTokenProperty, data: integrationData },
} as const;

const updated = {
  type: 'object',
  properties: {
    integration: { type: 'object', properties: { id: { type: 'string' }, vendorId: { type: 'string' } }, required: ['id', 'vendorId'] },
    status: { type: 'integer' },
    message: { type: 'string' },
  },
  required: ['integration', 'status', 'message'],
};

export function updateIntegrationRoute(app: App, services: Services) {
  const { integrations, audit } = services;
  app.patch(
    '/integration',
    {
      schema: {
        summary: "Update a user's integration credentials (seed 000)",
        body,
        response: { 200: updated, ...errorResponses },
      },
    },
    async (request) => {
      const input = request.body;
      const { vendor } = await authenticateVendor(request, input, 'vendor_manage', services);
      const organization = await organizationFromToken(input.organizationOemToken, vendor, services);
      if (input.data.vendorId !== vendor.id) throw vendorNotAuthorized('Vendor lacks permission for this vendorId');
      const integration = await integrations.updateCredentials(organization.id, vendor.id, input.data.integrationCredentials);
      if (!integration) throw errors.NotFound('the organization has no custom_hosted integration with this vendor');
      audit.record({
        action: 'integration.credentials_updated',
        outcome: 'success',
        actor: vendor.id,
        clientId: vendor.client_id,
        ip: request.ip,
        details: { integration_id: integration.id, organization_id: organization.id },
      });
      return {
        integration: { id: integration.id, vendorId: integration.vendor_id },
        status: 200,
        message: "Successfully updated a user's integration credentials",
      };
    },
  );
}
