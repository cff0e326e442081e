// Checks on a subscription's target and static header that a JSON schema cannot express. Every
// refusal names the field, e.g. `body/webhook_url: ...`.
import { isIP } from 'node:net';
import { AppError, errors } from '../errors.ts';
import type { AddressPolicy } from '../net/address-policy.ts';
import { FIELD_NAME, SET_BY_GATEHOUSE } from '../net/header-fields.ts';
import { vet } from '../net/outbound.ts';

export const URL_MAX = 2048;
export const HEADER_NAME_MAX = 256;
export const HEADER_VALUE_MAX = 4096;

// RFC 9110 §5.5: field values are visible characters, spaces and tabs; never CR or LF.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

// Besides the framing and connection headers: those a delivery carries by the Standard Webhooks
// rules, or that Gatehouse's client sets.
const RESERVED = new Set([...SET_BY_GATEHOUSE, 'expect', 'user-agent', 'webhook-id', 'webhook-timestamp', 'webhook-signature']);

function invalid(field: string, message: string): AppError {
  return errors.Invalid(`body/${field} ${message}`);
}

/** The URL, normalised, or a 400 naming the field. Plain http only where the operator opened the address. */
export async function checkUrl(raw: string, policy: AddressPolicy, field = 'webhook_url'): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(field, 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(field, 'must be an https URL');
  if (url.username || url.password) throw invalid(field, 'must not carry credentials (use auth_header instead)');
  if (url.hash) throw invalid(field, 'must not have a fragment');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const reason = policy.refuse(host);
    if (reason) throw invalid(field, `is refused: ${host} is ${reason}`);
  }
  if (url.protocol === 'http:') {
    // Only a network the operator opened may be reached over plain http, so the name has to be
    // resolved to know. An https host name is not resolved here: it is vetted on every delivery
    // (resolve, check, connect to that address), which also catches a name that moves later.
    await vet(policy, url).catch((error: Error) => {
      throw invalid(field, `must be an https URL (${error.message})`);
    });
  }
  return url.toString();
}

/** The static auth header pair: both or neither. Returns null for neither. */
export function checkAuthHeader(name: string | null | undefined, value: string | null | undefined): { name: string; value: string } | null {
  if ((name ?? null) === null && (value ?? null) === null) return null;
  if (!name) throw invalid('auth_header', 'is required when auth_header_value is set');
  if (value === undefined || value === null) throw invalid('auth_header_value', 'is required when auth_header is set');
  if (!FIELD_NAME.test(name)) throw invalid('auth_header', 'must be an HTTP header name');
  if (RESERVED.has(name.toLowerCase())) throw invalid('auth_header', `"${name}" is set by Gatehouse and cannot be overridden`);
  if (!FIELD_VALUE.test(value)) throw invalid('auth_header_value', 'must not contain control characters');
  return { name, value };
}
