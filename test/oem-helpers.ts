// Support for the OEM and Vendor API tests: vendors through the admin API, seed-shaped bodies,
// access tokens, organizations, integrations and MSPC tokens.
import type { Gatehouse } from '../src/app.ts';
import { admin } from './helpers.ts';

export interface TestVendor {
  vendor_id: string;
  client_id: string;
  client_secret: string;
  vendor_api_key: string;
  name: string;
}

export async function createVendor(g: Gatehouse, name = 'Acme Backup'): Promise<TestVendor> {
  const res = await g.app.inject({ method: 'POST', url: '/admin/api/v1/vendors', headers: admin, payload: { name } });
  if (res.statusCode !== 201) throw new Error(`vendor create failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Seed 000's credential fields. */
export function credentials(v: TestVendor) {
  return { clientId: v.client_id, clientSecret: v.client_secret, grantType: 'client_credentials', scope: 'vendor_manage' };
}

let counter = 0;

/** Seed 000's `data`, made unique per call unless overridden. */
export function organizationData(overrides: Record<string, unknown> = {}) {
  counter++;
  return {
    name: 'Wisozk Inc',
    email: `ansley.parisian+${counter}@example.com`,
    firstName: 'Ansley',
    lastName: 'Parisian',
    vendorUserId: `user-${counter}`,
    vendorOrganizationId: `org-${counter}`,
    ...overrides,
  };
}

export async function createOrganization(g: Gatehouse, v: TestVendor, data: Record<string, unknown> = organizationData()) {
  const res = await g.app.inject({ method: 'POST', url: '/api/oem-api/organization', payload: { ...credentials(v), data } });
  if (res.statusCode !== 201) throw new Error(`organization create failed: ${res.statusCode} ${res.body}`);
  return res.json() as { organizationId: string; organizationOemToken: string };
}

export async function accessToken(g: Gatehouse, v: { client_id: string; client_secret: string }, scope: string): Promise<string> {
  const res = await g.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: { grant_type: 'client_credentials', client_id: v.client_id, client_secret: v.client_secret, scope },
  });
  if (res.statusCode !== 200) throw new Error(`token failed: ${res.statusCode} ${res.body}`);
  return res.json().access_token;
}

export async function createExternalIntegration(g: Gatehouse, v: TestVendor, organizationId: string) {
  const token = await accessToken(g, v, 'oem:partner_token');
  const res = await g.app.inject({
    method: 'POST',
    url: '/api/oem-api/integration',
    headers: { authorization: `Bearer ${token}` },
    payload: { integrationType: 'external', organizationId, vendorId: v.vendor_id },
  });
  if (res.statusCode !== 201) throw new Error(`integration create failed: ${res.statusCode} ${res.body}`);
  return res.json() as { integration: { id: string; vendorId: string; integrationKind: string }; partnerApiKey: string };
}

/** Seed 001: base64(vendorApiKey + ":" + partnerApiKey). */
export function mspcToken(vendorApiKey: string, partnerApiKey: string): string {
  return Buffer.from(`${vendorApiKey}:${partnerApiKey}`, 'utf-8').toString('base64');
}

/** A vendor, an organization and an external integration: everything the Vendor API needs. */
export async function enrolled(g: Gatehouse, name?: string) {
  const vendor = await createVendor(g, name);
  const org = await createOrganization(g, vendor);
  const integration = await createExternalIntegration(g, vendor, org.organizationId);
  return { vendor, org, integration, token: mspcToken(vendor.vendor_api_key, integration.partnerApiKey) };
}

const TABLES = [
  'vendors',
  'vendor_api_keys',
  'organizations',
  'users',
  'login_links',
  'browser_sessions',
  'integrations',
  'partner_api_keys',
  'vendor_accounts',
  'vendor_services',
  'clients',
  'outbox_events',
] as const;

/**
 * A fingerprint of every row the OEM and Vendor APIs can change (not audit events, last-use
 * times, or when the webhook dispatcher picked an event up: it does that in the background).
 */
export async function snapshot(g: Gatehouse): Promise<string> {
  const db = g.services.storage.db;
  const parts: unknown[] = [];
  for (const table of TABLES) parts.push(await db.selectFrom(table).selectAll().execute());
  return JSON.stringify(parts, (k, v) => (k === 'last_used_at' || k === 'dispatched_at' ? undefined : typeof v === 'bigint' ? v.toString() : v));
}
