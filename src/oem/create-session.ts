// POST /api/oem-api/organization/session (seed 000, step 3): a one-time login link for the
// organization's owner, or for the user named by vendorUserId. The vendor redirects the user
// there (step 4); opening it starts a browser session (src/ui/login-link.ts).
import type { App } from '../http/route-types.ts';
import { errors } from '../errors.ts';
import type { Services } from '../services.ts';
import { authenticateVendor, credentialProperties } from './caller.ts';
import { errorResponses } from '../http/oem-surface.ts';
import { idempotent } from './idempotency.ts';
import { organizationFromToken, organizationTokenProperty } from './organization-token.ts';
import { examples } from '../ops/api-examples.ts';

const body = {
  type: 'object',
  examples: [examples.session],
  additionalProperties: false,
  required: ['organizationOemToken'],
  properties: {
    ...credentialProperties,
    organizationOemToken: organizationTokenProperty,
    vendorUserId: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

const created = {
  type: 'object',
  properties: { status: { type: 'integer' }, message: { type: 'string' }, redirectUrl: { type: 'string' } },
  required: ['status', 'message', 'redirectUrl'],
};

export function createSessionRoute(app: App, services: Services) {
  const { organizations, loginLinks, audit } = services;
  app.post(
    '/organization/session',
    idempotent(services.idempotencyKeys, {
      schema: {
        summary: 'Create a one-time login link for a user of the organization (seed 000)',
        body,
        response: { 201: created, ...errorResponses },
      },
      authenticate: (request) => authenticateVendor(request, request.body, 'vendor_manage', services),
      async handler(request, reply, { vendor }) {
        const input = request.body;
        const organization = await organizationFromToken(input.organizationOemToken, vendor, services);
        const user = await organizations.findUser(organization.id, input.vendorUserId);
        if (!user) throw errors.NotFound('no user with this vendorUserId in the organization');
        const link = await loginLinks.createAnnounced(user);
        audit.record({
          action: 'login_link.created',
          outcome: 'success',
          actor: vendor.id,
          clientId: vendor.client_id,
          ip: request.ip,
          details: { organization_id: organization.id, user_id: user.id, expires_at: link.expiresAt.toISOString() },
        });
        return reply.status(201).send({ status: 201, message: 'Success: session created', redirectUrl: link.url });
      },
    }),
  );
}
