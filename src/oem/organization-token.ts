// The organization OEM token (seed 000, step 2) names one organization; it only works for the
// vendor that created that organization, as does an organization id.
import { errors } from '../errors.ts';
import type { Organization } from '../organizations/organizations.ts';
import type { Services } from '../services.ts';
import type { Vendor } from '../vendors/vendors.ts';
import { vendorNotAuthorized } from './caller.ts';

export const organizationTokenProperty = { type: 'string', minLength: 1, maxLength: 500 } as const;

/** Seed 000: "403 Unauthorized - Invalid organization token" for unknown, revoked or foreign tokens. */
export async function organizationFromToken(token: string, vendor: Vendor, { organizations }: Services): Promise<Organization> {
  const organization = await organizations.findByOemToken(token);
  if (!organization || organization.vendor_id !== vendor.id) throw vendorNotAuthorized('Invalid organization token');
  return organization;
}

/** An organization named by id, which the calling vendor must own. */
export async function ownedOrganization(id: string, vendor: Vendor, { organizations }: Services): Promise<Organization> {
  const organization = await organizations.find(id);
  if (!organization) throw errors.NotFound('organization not found');
  if (organization.vendor_id !== vendor.id) throw vendorNotAuthorized('Vendor lacks permission for organization');
  return organization;
}
