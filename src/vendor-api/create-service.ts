// POST /api/vendor-api/organization/services {vendorServiceId, name, description?, vendorAccountId?}:
// record a service the vendor provides to the organization. Idempotent on vendorServiceId.
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { errorResponses } from '../http/oem-surface.ts';
import { serviceView, upsertService } from './records.ts';
import { security, serviceItem } from './schemas.ts';

const body = {
  type: 'object',
  additionalProperties: false,
  required: ['vendorServiceId', 'name'],
  properties: {
    vendorServiceId: { type: 'string', minLength: 1, maxLength: 200 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: ['string', 'null'], maxLength: 2000 },
    vendorAccountId: { type: ['string', 'null'], minLength: 1, maxLength: 200 },
  },
} as const;

const saved = {
  type: 'object',
  properties: { status: { type: 'integer' }, message: { type: 'string' }, service: serviceItem },
  required: ['status', 'message', 'service'],
};

export function createServiceRoute(app: App, { storage, audit }: Services) {
  app.post(
    '/organization/services',
    {
      schema: {
        summary: 'Create or update a service (idempotent on vendorServiceId)',
        security,
        body,
        response: { 200: saved, 201: saved, ...errorResponses },
      },
    },
    async (request, reply) => {
      const ctx = request.vendorContext!;
      const { created, row } = await upsertService(storage.db, ctx.integrationId, request.body);
      audit.record({
        action: created ? 'vendor_api.service_created' : 'vendor_api.service_updated',
        outcome: 'success',
        actor: ctx.vendorId,
        ip: request.ip,
        details: { integration_id: ctx.integrationId, organization_id: ctx.organization.id, vendor_service_id: row.vendor_service_id },
      });
      const status = created ? 201 : 200;
      return reply
        .status(status)
        .send({ status, message: created ? 'Successfully created a service' : 'Successfully updated a service', service: serviceView(row) });
    },
  );
}
