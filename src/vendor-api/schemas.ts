// Response and query schemas shared by the Vendor API routes.
import type { FromSchema } from '../http/route-types.ts';

const str = { type: 'string' };
const nullableStr = { type: ['string', 'null'] };

export const integrationView = {
  type: 'object',
  properties: { id: str, vendorId: str, integrationKind: str, status: { type: 'string', enum: ['inactive', 'pending', 'active'] } },
  required: ['id', 'vendorId', 'integrationKind', 'status'],
};

export const accountItem = {
  type: 'object',
  properties: { id: str, vendorAccountId: str, name: str, externalId: nullableStr, createdAt: str, updatedAt: str },
  required: ['id', 'vendorAccountId', 'name'],
};

export const serviceItem = {
  type: 'object',
  properties: { id: str, vendorServiceId: str, name: str, description: nullableStr, vendorAccountId: nullableStr, createdAt: str, updatedAt: str },
  required: ['id', 'vendorServiceId', 'name'],
};

export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', description: '1 to 500, default 100' },
    after: { type: 'string', minLength: 1, maxLength: 200, description: 'the last id of the previous page (nextCursor)' },
  },
} as const;

export function pageOf(query: FromSchema<typeof pageQuery>) {
  return { limit: Math.min(Number(query.limit ?? 100), 500), after: query.after };
}

export const security: Record<string, string[]>[] = [{ mspcToken: [] }, { mspcTokenHeader: [] }];
