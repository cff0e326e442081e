// POST /api/oem-api/organization (seed 000, step 1): authenticate the vendor, create the
// organization and its owner, return the organization OEM token once (again, to a retry with the
// same Idempotency-Key).
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { authenticateVendor, credentialProperties } from './caller.ts';
import { errorResponses } from '../http/oem-surface.ts';
import { idempotent } from './idempotency.ts';
import { emailProperty } from '../email.ts';
import { examples } from '../ops/api-examples.ts';

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max, pattern: '\\S' }) as const;

const body = {
  type: 'object',
  examples: [examples.organization],
  additionalProperties: false,
  required: ['data'],
  properties: {
    ...credentialProperties,
    data: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'email'],
      properties: {
        name: text(200),
        // Compared case-insensitively; seed 000's sample address is redacted in the document.
        email: emailProperty,
        firstName: { type: 'string', maxLength: 200 },
        lastName: { type: 'string', maxLength: 200 },
        vendorUserId: text(200),
        vendorOrganizationId: text(200),
      },
    },
  },
} as const;

const created = {
  type: 'object',
  properties: {
    status: { type: 'integer' },
    message: { type: 'string' },
    organizationOemToken: { type: 'string' },
    organizationId: { type: 'string' },
  },
  required: ['status', 'message', 'organizationOemToken', 'organizationId'],
};

export function createOrganizationRoute(app: App, services: Services) {
  const { organizations, audit } = services;
  app.post(
    '/organization',
    idempotent(services.idempotencyKeys, {
      schema: {
        summary: 'Create an organization and its owner (seed 000); the organization OEM token is shown once',
        body,
        response: { 201: created, ...errorResponses },
      },
      authenticate: (request) => authenticateVendor(request, request.body, 'vendor_manage', services),
      async handler(request, reply, { vendor }) {
        const input = request.body;
        const { organization, owner, oemToken } = await organizations.create(vendor.id, input.data);
        audit.record({
          action: 'organization.created',
          outcome: 'success',
          actor: vendor.id,
          clientId: vendor.client_id,
          ip: request.ip,
          details: { organization_id: organization.id, owner_id: owner.id, vendor_organization_id: organization.vendor_organization_id },
        });
        return reply.status(201).send({
          status: 201,
          message: 'Successfully created organization',
          organizationOemToken: oemToken,
          organizationId: organization.id,
        });
      },
    }),
  );
}
