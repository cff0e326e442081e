// The SDK's wire types are generated from the OpenAPI document the server serves. Regenerating
// them must give the committed file byte for byte; when a route schema of the OEM API, the Vendor
// API or the token endpoint changes, run `node scripts/client-types.ts` and commit the result
// (packages/client/src/types.ts then fails to compile if a field the SDK uses has gone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { CLIENT_TYPES_FILE, renderClientTypes } from '../scripts/client-types.ts';

// One document for both tests: building the app is the slow part.
const generated = renderClientTypes();

test('packages/client/src/openapi.ts is what the OpenAPI document yields today', async () => {
  const committed = await readFile(CLIENT_TYPES_FILE, 'utf8');
  assert.equal(committed, await generated, 'stale SDK types: run `node scripts/client-types.ts`');
});

test('the generated types cover every OEM API, Vendor API and token route the SDK calls', async () => {
  const text = await generated;
  for (const route of [
    '/oauth/token',
    '/api/oem-api/organization',
    '/api/oem-api/organization/session',
    '/api/oem-api/organization/user',
    '/api/oem-api/integration',
    '/api/oem-api/organization/{organizationId}/vendors',
    '/api/oem-api/organization/{organizationId}/integrations',
    '/api/vendor-api/organization',
    '/api/vendor-api/organization/accounts',
    '/api/vendor-api/organization/services',
    '/api/vendor-api/status',
  ]) {
    assert.ok(text.includes(`  ${JSON.stringify(route)}: {\n`), route);
  }
  // Only those surfaces: the admin and MSP APIs are not the SDK's.
  assert.doesNotMatch(text, /"\/admin\/|"\/api\/msp/);
});
