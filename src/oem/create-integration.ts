// POST /api/oem-api/integration, in the two documented shapes:
//   seed 001: {integrationType: "external", organizationId, vendorId} with a Bearer access token
//             carrying oem:partner_token -> the integration and its partner API key (once);
//   seed 000: {clientId, clientSecret, organizationOemToken, data: {vendorId, integrationCredentials}}
//             -> a custom_hosted integration whose credentials are stored sealed.
import type { FastifyInstance } from 'fastify';
import type { Credentials, Integration } from '../integrations/integrations.ts';
import type { Services } from '../services.ts';
import type { Vendor } from '../vendors/vendors.ts';
import { authenticateVendor, credentialProperties, vendorNotAuthorized, type BodyCredentials } from './caller.ts';
import { errorResponses } from '../http/oem-surface.ts';
import { idempotent } from './idempotency.ts';
import { idProperty, integrationData } from './integration-schemas.ts';
import { organizationFromToken, organizationTokenProperty, ownedOrganization } from './organization-token.ts';
import { examples } from '../ops/api-examples.ts';

const forbidden = (names: string[]) => Object.fromEntries(names.map((n) => [n, false]));
const credentialNames = [...Object.keys(credentialProperties), 'organizationOemToken', 'data'];

const body = {
  type: 'object',
  examples: [examples.externalIntegration, examples.customHostedIntegration],
  additionalProperties: false,
  properties: {
    integrationType: { type: 'string', enum: ['external'] },
    organizationId: idProperty,
    vendorId: idProperty,
    ...credentialProperties,
    organizationOemToken: organizationTokenProperty,
    data: integrationData,
  },
  if: { required: ['integrationType'] },
  then: { required: ['organizationId', 'vendorId'], properties: forbidden(credentialNames) },
  else: { required: ['organizationOemToken', 'data'], properties: forbidden(['organizationId', 'vendorId']) },
};

const created = {
  type: 'object',
  properties: {
    integration: {
      type: 'object',
      properties: { id: { type: 'string' }, vendorId: { type: 'string' }, integrationKind: { type: 'string' } },
      required: ['id', 'vendorId', 'integrationKind'],
    },
    partnerApiKey: { type: 'string', description: 'external integrations only; shown once' },
    status: { type: 'integer' },
    message: { type: 'string' },
  },
  // No top-level `required`: the serializer then keeps seed 001's key order.
};

// The two shapes are told apart by the schema's if/then/else, which json-schema-to-ts reads only
// with an option that would apply to every route: the body keeps its written types.
type ExternalBody = { integrationType: 'external'; organizationId: string; vendorId: string };
type CustomBody = BodyCredentials & { organizationOemToken: string; data: { vendorId: string; integrationCredentials: Credentials } };

export function createIntegrationRoute(app: FastifyInstance, services: Services) {
  const { audit } = services;
  app.post(
    '/integration',
    idempotent(services.idempotencyKeys, {
      schema: {
        summary:
          'Create an integration: external with a partner API key (seed 001, Bearer token with oem:partner_token) or custom_hosted with credentials (seed 000)',
        body,
        security: [{ oemAccessToken: [] }, {}],
        response: { 201: created, ...errorResponses },
      },
      // Each shape has its own credentials: seed 001 a Bearer token only, seed 000 either.
      authenticate: (request) => {
        const input = request.body as ExternalBody | CustomBody;
        return 'integrationType' in input
          ? authenticateVendor(request, undefined, 'oem:partner_token', services)
          : authenticateVendor(request, input, 'vendor_manage', services);
      },
      async handler(request, reply, { vendor }) {
        const input = request.body as ExternalBody | CustomBody;
        const { integration, partnerApiKey } =
          'integrationType' in input
            ? await external(input, vendor, services)
            : { integration: await customHosted(input, vendor, services), partnerApiKey: undefined };
        audit.record({
          action: 'integration.created',
          outcome: 'success',
          actor: integration.vendor_id,
          clientId: request.clientId ?? null,
          ip: request.ip,
          details: { integration_id: integration.id, organization_id: integration.organization_id, kind: integration.kind },
        });
        return reply.status(201).send({
          integration: { id: integration.id, vendorId: integration.vendor_id, integrationKind: integration.kind },
          ...(partnerApiKey === undefined ? {} : { partnerApiKey }),
          status: 201,
          message: 'Successfully created an integration for an organization',
        });
      },
    }),
  );
}

async function external(input: ExternalBody, vendor: Vendor, services: Services): Promise<{ integration: Integration; partnerApiKey: string }> {
  if (input.vendorId !== vendor.id) throw vendorNotAuthorized('Vendor lacks permission for this vendorId');
  const organization = await ownedOrganization(input.organizationId, vendor, services);
  return services.integrations.createExternal(organization.id, vendor.id);
}

async function customHosted(input: CustomBody, vendor: Vendor, services: Services): Promise<Integration> {
  const organization = await organizationFromToken(input.organizationOemToken, vendor, services);
  if (input.data.vendorId !== vendor.id) throw vendorNotAuthorized('Vendor lacks permission for this vendorId');
  return services.integrations.createCustomHosted(organization.id, vendor.id, input.data.integrationCredentials);
}
