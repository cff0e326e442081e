// PATCH /api/vendor-api/status {status: inactive|pending|active}: the vendor reports where the
// integration stands. A change emits integration.status_changed and refreshes every cache.
import type { App } from '../http/route-types.ts';
import { INTEGRATION_STATUSES } from '../integrations/integrations.ts';
import type { Services } from '../services.ts';
import { errorResponses } from '../http/oem-surface.ts';
import { integrationView, security } from './schemas.ts';
import { examples } from '../ops/api-examples.ts';

const body = {
  type: 'object',
  examples: [examples.status],
  additionalProperties: false,
  required: ['status'],
  properties: { status: { type: 'string', enum: INTEGRATION_STATUSES } },
} as const;

const updated = {
  type: 'object',
  properties: { status: { type: 'integer' }, message: { type: 'string' }, integration: integrationView },
  required: ['status', 'message', 'integration'],
};

export function updateStatusRoute(app: App, { integrations, audit, mspcAuth }: Services) {
  app.patch(
    '/status',
    {
      schema: { summary: "Set the integration's status", security, body, response: { 200: updated, ...errorResponses } },
    },
    async (request) => {
      const ctx = request.vendorContext!;
      const { integration, previous } = await integrations.setStatus(ctx.integrationId, request.body.status);
      mspcAuth.invalidate({ topic: 'integration', id: integration.id });
      audit.record({
        action: 'integration.status_changed',
        outcome: 'success',
        actor: ctx.vendorId,
        ip: request.ip,
        details: { integration_id: integration.id, organization_id: integration.organization_id, from: previous, to: integration.status },
      });
      return {
        status: 200,
        message: 'Successfully updated the integration status',
        integration: { id: integration.id, vendorId: integration.vendor_id, integrationKind: integration.kind, status: integration.status },
      };
    },
  );
}
