// POST /api/vendor-api/organization/accounts {vendorAccountId, name, externalId}: record one of
// the organization's accounts as the vendor knows it. Idempotent on vendorAccountId: a repeat
// updates the name and externalId and answers 200 instead of 201.
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { errorResponses } from '../http/oem-surface.ts';
import { accountView, upsertAccount } from './records.ts';
import { accountItem, security } from './schemas.ts';
import { examples } from '../ops/api-examples.ts';

const body = {
  type: 'object',
  examples: [examples.account],
  additionalProperties: false,
  required: ['vendorAccountId', 'name'],
  properties: {
    vendorAccountId: { type: 'string', minLength: 1, maxLength: 200 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    externalId: { type: ['string', 'null'], maxLength: 200 },
  },
} as const;

const saved = {
  type: 'object',
  properties: { status: { type: 'integer' }, message: { type: 'string' }, account: accountItem },
  required: ['status', 'message', 'account'],
};

export function createAccountRoute(app: App, { storage, audit }: Services) {
  app.post(
    '/organization/accounts',
    {
      schema: {
        summary: 'Create or update an account (idempotent on vendorAccountId)',
        security,
        body,
        response: { 200: saved, 201: saved, ...errorResponses },
      },
    },
    async (request, reply) => {
      const ctx = request.vendorContext!;
      const { created, row } = await upsertAccount(storage.db, ctx.integrationId, request.body);
      audit.record({
        action: created ? 'vendor_api.account_created' : 'vendor_api.account_updated',
        outcome: 'success',
        actor: ctx.vendorId,
        ip: request.ip,
        details: { integration_id: ctx.integrationId, organization_id: ctx.organization.id, vendor_account_id: row.vendor_account_id },
      });
      const status = created ? 201 : 200;
      return reply
        .status(status)
        .send({ status, message: created ? 'Successfully created an account' : 'Successfully updated an account', account: accountView(row) });
    },
  );
}
