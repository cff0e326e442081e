// GET /api/vendor-api/organization/accounts: the accounts recorded through this integration,
// ordered by vendorAccountId, a page at a time.
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { errorResponses } from '../http/oem-surface.ts';
import { accountView, listAccounts } from './records.ts';
import { accountItem, pageOf, pageQuery, security } from './schemas.ts';

const list = {
  type: 'object',
  properties: { status: { type: 'integer' }, accounts: { type: 'array', items: accountItem }, nextCursor: { type: ['string', 'null'] } },
  required: ['status', 'accounts', 'nextCursor'],
};

export function listAccountsRoute(app: App, { storage }: Services) {
  app.get(
    '/organization/accounts',
    {
      schema: { summary: 'List accounts', security, querystring: pageQuery, response: { 200: list, ...errorResponses } },
    },
    async (request) => {
      const { items, next } = await listAccounts(storage.db, request.vendorContext!.integrationId, pageOf(request.query));
      return { status: 200, accounts: items.map(accountView), nextCursor: next };
    },
  );
}
