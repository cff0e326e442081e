// Which grant types a client made on the command line gets, from the flags given, so the short
// forms work: `--public` alone is a public authorization-code client, `--implicit` an MSP app.
//
//   --grant-types "a b"   exactly those (plus implicit when --implicit is also given)
//   --implicit            public, grant implicit, allow_implicit, exactly one --redirect-uri
//   --public              authorization_code refresh_token
//   (neither)             confidential: authorization_code refresh_token with a --redirect-uri,
//                         client_credentials without one
import { CliError } from './admin-client.ts';

export interface GrantFlags {
  grantTypes?: string[];
  public?: boolean;
  implicit?: boolean;
  redirectUris?: string[];
}

/** What the admin API is sent for these flags (fields left out are left to the server). */
export interface GrantFields {
  type?: 'public';
  grant_types?: string[];
  allow_implicit?: true;
}

/** The client as it stands, for `client update`. */
export interface ExistingClient {
  client_id: string;
  type: string;
  grant_types: string[];
  redirect_uris: string[];
}

const CODE = ['authorization_code', 'refresh_token'];

function withImplicit(grants: string[]): string[] {
  return grants.includes('implicit') ? grants : [...grants, 'implicit'];
}

/**
 * RFC 6749 §3.1.2.2: a client using the implicit grant must register its redirection endpoint,
 * and the token goes to it in the fragment; with exactly one registered the authorization
 * request may leave redirect_uri out, which is how MSP apps send it.
 */
function oneRedirectUri(uris: string[]): void {
  if (uris.length !== 1) {
    throw new CliError(`--implicit needs exactly one --redirect-uri (the token is sent there), got ${uris.length}`);
  }
}

export function createGrants(flags: GrantFlags): GrantFields {
  const uris = flags.redirectUris ?? [];
  if (flags.implicit) {
    // RFC 6749 §4.4: client_credentials is for confidential clients only, and an implicit client is public.
    if (flags.grantTypes?.includes('client_credentials')) {
      throw new CliError('--implicit makes a public client, which cannot use client_credentials: drop one of them');
    }
    oneRedirectUri(uris);
    return { type: 'public', grant_types: withImplicit(flags.grantTypes ?? []), allow_implicit: true };
  }
  const type = flags.public ? { type: 'public' as const } : {};
  if (flags.grantTypes) return { ...type, grant_types: flags.grantTypes };
  if (flags.public || uris.length > 0) return { ...type, grant_types: CODE };
  return { grant_types: ['client_credentials'] };
}

/**
 * On update only what is asked changes: --grant-types replaces the list; --implicit adds the
 * implicit grant to the list (given or current) and needs a public client with one redirect URI.
 */
export function updateGrants(flags: GrantFlags, existing?: ExistingClient): GrantFields {
  const type = flags.public ? { type: 'public' as const } : {};
  if (!flags.implicit) return { ...type, ...(flags.grantTypes ? { grant_types: flags.grantTypes } : {}) };
  if (!existing) throw new Error('updateGrants needs the existing client for --implicit');
  if (existing.type !== 'public') {
    throw new CliError(
      `--implicit needs a public client; client "${existing.client_id}" is ${existing.type} and its type cannot change: create a public client instead`,
    );
  }
  oneRedirectUri(flags.redirectUris ?? existing.redirect_uris);
  return { ...type, grant_types: withImplicit(flags.grantTypes ?? existing.grant_types), allow_implicit: true };
}
