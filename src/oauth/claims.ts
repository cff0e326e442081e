// OpenID Connect scopes and the claims they release (OIDC Core §5.1, §5.4). `profile` and `email`
// are the standard ones; `organization` is Gatehouse's own, for relying parties that need to
// know which organization (tenant) the person belongs to and their role in it. A claim with no
// value is left out rather than sent as null (§5.3.2).
import type { OrganizationUsers } from '../accounts/users.ts';
import type { Organizations } from '../organizations/organizations.ts';

const OPENID = 'openid';

/** Claims each scope releases. */
const SCOPE_CLAIMS = {
  profile: ['name', 'given_name', 'family_name', 'updated_at'],
  email: ['email', 'email_verified'],
  organization: ['org_id', 'org_name', 'org_role'],
} as const;

/** The scopes a client with the authorization-code grant may ask for besides its own. */
export const IDENTITY_SCOPES: readonly string[] = [OPENID, ...Object.keys(SCOPE_CLAIMS)];

/** Every claim an ID Token or UserInfo response may carry (OIDC Discovery 1.0 §3 claims_supported). */
export const CLAIMS_SUPPORTED: readonly string[] = [
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'at_hash',
  'amr',
  ...Object.values(SCOPE_CLAIMS).flat(),
];

function scopes(scope: string): string[] {
  return scope.split(' ').filter(Boolean);
}

/** Whether a granted scope makes the request an OpenID Connect one (OIDC Core §3.1.2.1). */
export function isOpenId(scope: string): boolean {
  return scopes(scope).includes(OPENID);
}

export interface ClaimSources {
  users: Pick<OrganizationUsers, 'find'>;
  organizations: Pick<Organizations, 'find'>;
}

/**
 * `sub` and the claims `scope` releases for a user, read now (so UserInfo always answers the
 * current values); undefined when the user is gone.
 */
export async function userClaims(sources: ClaimSources, userId: string, scope: string): Promise<Record<string, unknown> | undefined> {
  const user = await sources.users.find(userId);
  if (!user) return undefined;
  const granted = new Set(scopes(scope));
  const claims: Record<string, unknown> = { sub: user.id };
  if (granted.has('profile')) {
    const name = [user.first_name, user.last_name].filter((part) => part).join(' ');
    if (name) claims.name = name;
    if (user.first_name) claims.given_name = user.first_name;
    if (user.last_name) claims.family_name = user.last_name;
    // §5.1: seconds since the epoch.
    claims.updated_at = Math.floor(user.updated_at.getTime() / 1000);
  }
  if (granted.has('email')) {
    claims.email = user.email;
    claims.email_verified = user.email_verified;
  }
  if (granted.has('organization')) {
    const organization = await sources.organizations.find(user.organization_id);
    claims.org_id = user.organization_id;
    if (organization) claims.org_name = organization.name;
    claims.org_role = user.role;
  }
  return claims;
}
