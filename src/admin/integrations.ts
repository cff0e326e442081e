// Admin API: integrations. Disable or enable one, rotate its partner API key with an overlap.
import type { App } from '../http/route-types.ts';
import type { IntegrationWithVendor, PartnerApiKey } from '../integrations/integrations.ts';
import type { Services } from '../services.ts';
import { adminError, idParam } from './schemas.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function integrationView(i: IntegrationWithVendor, keys?: PartnerApiKey[]) {
  return {
    integration_id: i.id,
    organization_id: i.organization_id,
    vendor_id: i.vendor_id,
    vendor_name: i.vendor_name,
    kind: i.kind,
    status: i.status,
    has_credentials: i.credentials !== null,
    disabled_at: iso(i.disabled_at),
    last_used_at: iso(i.last_used_at),
    created_at: i.created_at.toISOString(),
    updated_at: i.updated_at.toISOString(),
    ...(keys
      ? { partner_keys: keys.map((k) => ({ created_at: k.created_at.toISOString(), expires_at: iso(k.expires_at), last_used_at: iso(k.last_used_at) })) }
      : {}),
  };
}

const nullableStr = { type: ['string', 'null'] };
export const integrationViewSchema = {
  type: 'object',
  properties: {
    integration_id: { type: 'string' },
    organization_id: { type: 'string' },
    vendor_id: { type: 'string' },
    vendor_name: { type: 'string' },
    kind: { type: 'string' },
    status: { type: 'string' },
    has_credentials: { type: 'boolean' },
    disabled_at: nullableStr,
    last_used_at: nullableStr,
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    partner_keys: {
      type: 'array',
      items: { type: 'object', properties: { created_at: { type: 'string' }, expires_at: nullableStr, last_used_at: nullableStr } },
    },
  },
};

export function adminIntegrationRoutes(app: App, { integrations, audit, config, mspcAuth }: Services) {
  const tags = ['admin: integrations'];
  const errors = { '4xx': adminError };
  const record = (action: string, id: string, ip: string, details: Record<string, unknown> = {}) =>
    audit.record({ action, outcome: 'success', actor: 'admin', ip, details: { integration_id: id, ...details } });

  app.get(
    '/integrations/:id',
    { schema: { tags, summary: 'Get an integration (never its credentials or keys)', params: idParam, response: { 200: integrationViewSchema, ...errors } } },
    async (request) => {
      const { id } = request.params;
      return integrationView(await integrations.get(id), await integrations.partnerKeys(id));
    },
  );

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `/integrations/:id/${action}`,
      {
        schema: {
          tags,
          summary: `${disabled ? 'Disable' : 'Enable'} an integration (its MSPC_TOKEN answers 403 while disabled)`,
          params: idParam,
          response: { 200: integrationViewSchema, ...errors },
        },
      },
      async (request) => {
        const { id } = request.params;
        const integration = await integrations.setDisabled(id, disabled);
        mspcAuth.invalidate({ topic: 'integration', id });
        record(`integration.${disabled ? 'disabled' : 'enabled'}`, id, request.ip);
        return integrationView(integration);
      },
    );
  }

  app.post(
    '/integrations/:id/rotate-partner-key',
    {
      schema: {
        tags,
        summary: 'Issue a new partner API key; the previous one works until the overlap ends',
        params: idParam,
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { overlap_seconds: { type: 'integer', minimum: 0, maximum: 7776000 } },
        },
        response: {
          200: {
            type: 'object',
            properties: { integration_id: { type: 'string' }, partner_api_key: { type: 'string' }, previous_key_expires_at: { type: 'string' } },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const overlap = request.body?.overlap_seconds ?? config.keyOverlap;
      const { partnerApiKey, previousExpiresAt } = await integrations.rotatePartnerKey(id, overlap);
      mspcAuth.invalidate({ topic: 'integration', id });
      record('integration.partner_key_rotated', id, request.ip, { overlap_seconds: overlap });
      return { integration_id: id, partner_api_key: partnerApiKey, previous_key_expires_at: previousExpiresAt.toISOString() };
    },
  );
}
