// POST /api/oem-api/organization/user: the vendor adds a person to an organization it enrolled,
// with the credentials of the other seed 000 calls and the organization OEM token. The new user
// signs in through organization/session with their vendorUserId.
import type { App } from '../http/route-types.ts';
import { USER_ROLES } from '../accounts/users.ts';
import { emailProperty } from '../email.ts';
import type { Services } from '../services.ts';
import { authenticateVendor, credentialProperties } from './caller.ts';
import { errorResponses } from '../http/oem-surface.ts';
import { idempotent } from './idempotency.ts';
import { organizationFromToken, organizationTokenProperty } from './organization-token.ts';
import { examples } from '../ops/api-examples.ts';

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max, pattern: '\\S' }) as const;

const body = {
  type: 'object',
  examples: [examples.user],
  additionalProperties: false,
  required: ['organizationOemToken', 'data'],
  properties: {
    ...credentialProperties,
    organizationOemToken: organizationTokenProperty,
    data: {
      type: 'object',
      additionalProperties: false,
      required: ['email'],
      properties: {
        email: emailProperty,
        firstName: { type: 'string', maxLength: 200 },
        lastName: { type: 'string', maxLength: 200 },
        vendorUserId: text(200),
        role: { type: 'string', enum: USER_ROLES, default: 'member' },
      },
    },
  },
} as const;

const created = {
  type: 'object',
  properties: { status: { type: 'integer' }, message: { type: 'string' }, userId: { type: 'string' } },
  required: ['status', 'message', 'userId'],
};

export function createUserRoute(app: App, services: Services) {
  const { users, audit } = services;
  app.post(
    '/organization/user',
    idempotent(services.idempotencyKeys, {
      schema: {
        summary: 'Add a user to an organization (role owner, admin or member; member when not given)',
        body,
        response: { 201: created, ...errorResponses },
      },
      authenticate: (request) => authenticateVendor(request, request.body, 'vendor_manage', services),
      async handler(request, reply, { vendor }) {
        const input = request.body;
        const organization = await organizationFromToken(input.organizationOemToken, vendor, services);
        const user = await users.add(organization.id, { ...input.data, emailVerified: true });
        audit.record({
          action: 'user.added',
          outcome: 'success',
          actor: vendor.id,
          clientId: vendor.client_id,
          ip: request.ip,
          details: { organization_id: organization.id, user_id: user.id, role: user.role, via: 'oem' },
        });
        return reply.status(201).send({ status: 201, message: 'Successfully created user', userId: user.id });
      },
    }),
  );
}
