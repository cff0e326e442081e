// GET /api/vendor-api/organization: the organization the MSPC_TOKEN reaches, and the integration
// it reaches it through. Answered from the key cache: no database round trip.
import type { App } from '../http/route-types.ts';
import { errorResponses, noQuery } from '../http/oem-surface.ts';
import { integrationView, security } from './schemas.ts';

export const organizationResponse = {
  type: 'object',
  properties: {
    status: { type: 'integer' },
    organization: {
      type: 'object',
      properties: { id: { type: 'string' }, name: { type: 'string' }, vendorOrganizationId: { type: ['string', 'null'] } },
      required: ['id', 'name'],
    },
    integration: integrationView,
  },
  required: ['status', 'organization', 'integration'],
};

export function getOrganizationRoute(app: App) {
  app.get(
    '/organization',
    {
      schema: {
        summary: 'The organization this MSPC_TOKEN reaches',
        security,
        querystring: noQuery,
        response: { 200: organizationResponse, ...errorResponses },
      },
    },
    async (request) => {
      const ctx = request.vendorContext!;
      return {
        status: 200,
        organization: ctx.organization,
        integration: { id: ctx.integrationId, vendorId: ctx.vendorId, integrationKind: ctx.integrationKind, status: ctx.integrationStatus },
      };
    },
  );
}
