// Admin API: vendors. Creating one also creates its OAuth client (scopes vendor_manage and
// oem:partner_token) and its first Vendor API key; both secrets are shown once.
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import type { VendorWithKeys } from '../vendors/vendors.ts';
import { adminError, idParam } from './schemas.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;

function vendorView({ vendor, keys }: VendorWithKeys) {
  return {
    vendor_id: vendor.id,
    name: vendor.name,
    client_id: vendor.client_id,
    status: vendor.disabled_at ? 'disabled' : 'active',
    disabled_at: iso(vendor.disabled_at),
    created_at: vendor.created_at.toISOString(),
    updated_at: vendor.updated_at.toISOString(),
    api_keys: keys.map((k) => ({ created_at: k.created_at.toISOString(), expires_at: iso(k.expires_at), last_used_at: iso(k.last_used_at) })),
  };
}

const nullableDate = { type: ['string', 'null'] };
const view = {
  type: 'object',
  properties: {
    vendor_id: { type: 'string' },
    name: { type: 'string' },
    client_id: { type: 'string' },
    status: { type: 'string', enum: ['active', 'disabled'] },
    disabled_at: nullableDate,
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    api_keys: {
      type: 'array',
      description: 'live Vendor API keys (never the keys themselves); a key with expires_at is in its overlap window',
      items: { type: 'object', properties: { created_at: { type: 'string' }, expires_at: nullableDate, last_used_at: nullableDate } },
    },
  },
} as const;
const created = { type: 'object', properties: { ...view.properties, client_secret: { type: 'string' }, vendor_api_key: { type: 'string' } } };
const rotated = { type: 'object', properties: { ...view.properties, vendor_api_key: { type: 'string' }, previous_key_expires_at: { type: 'string' } } };
const overlapBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    overlap_seconds: {
      type: 'integer',
      minimum: 0,
      maximum: 7776000,
      description: 'how long the previous key keeps working (default GATEHOUSE_KEY_ROTATION_OVERLAP)',
    },
  },
} as const;

export function adminVendorRoutes(app: App, { vendors, audit, config, mspcAuth }: Services) {
  const tags = ['admin: vendors'];
  const errors = { '4xx': adminError };
  const record = (action: string, vendorId: string, ip: string, details: Record<string, unknown> = {}) =>
    audit.record({ action, outcome: 'success', actor: 'admin', ip, details: { vendor_id: vendorId, ...details } });

  app.post(
    '/vendors',
    {
      schema: {
        tags,
        summary: 'Create a vendor with its OAuth client and Vendor API key (secrets shown once)',
        body: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 200 } } },
        response: { 201: created, ...errors },
      },
    },
    async (request, reply) => {
      const result = await vendors.create(request.body.name);
      record('vendor.created', result.vendor.id, request.ip, { client_id: result.vendor.client_id });
      return reply.status(201).send({ ...vendorView(result), client_secret: result.clientSecret, vendor_api_key: result.apiKey });
    },
  );

  app.get(
    '/vendors',
    { schema: { tags, summary: 'List vendors', response: { 200: { type: 'object', properties: { vendors: { type: 'array', items: view } } } } } },
    async () => ({ vendors: (await vendors.list()).map(vendorView) }),
  );

  app.get('/vendors/:id', { schema: { tags, summary: 'Get a vendor', params: idParam, response: { 200: view, ...errors } } }, async (request) =>
    vendorView(await vendors.get(request.params.id)),
  );

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `/vendors/:id/${action}`,
      {
        schema: {
          tags,
          summary: `${disabled ? 'Disable' : 'Enable'} a vendor (OEM and Vendor API access)`,
          params: idParam,
          response: { 200: view, ...errors },
        },
      },
      async (request) => {
        const { id } = request.params;
        const result = await vendors.setDisabled(id, disabled);
        mspcAuth.invalidate({ topic: 'vendor', id });
        record(`vendor.${disabled ? 'disabled' : 'enabled'}`, id, request.ip);
        return vendorView(result);
      },
    );
  }

  app.post(
    '/vendors/:id/rotate-api-key',
    {
      schema: {
        tags,
        summary: 'Issue a new Vendor API key; the previous one works until the overlap ends',
        params: idParam,
        body: overlapBody,
        response: { 200: rotated, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const overlap = request.body?.overlap_seconds ?? config.keyOverlap;
      const result = await vendors.rotateKey(id, overlap);
      mspcAuth.invalidate({ topic: 'vendor', id });
      record('vendor.api_key_rotated', id, request.ip, { overlap_seconds: overlap });
      return { ...vendorView(result), vendor_api_key: result.apiKey, previous_key_expires_at: result.previousExpiresAt.toISOString() };
    },
  );
}
