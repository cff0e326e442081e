// One check of what counts as an email address, used by request schemas (the `email` format of
// src/ops/validation.ts) and by code that reads a form. Deliberately plain: a local part and a
// dotted domain, no spaces, no display names or comments; stored lower-cased.

// RFC 5321 §4.5.3.1: a local part is at most 64 octets and a path at most 256 with its angle
// brackets, so an address at most 254.
export const EMAIL_MAX_LENGTH = 254;
const LOCAL_MAX_LENGTH = 64;

const LOCAL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$/;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function isEmail(value: string): boolean {
  if (value.length > EMAIL_MAX_LENGTH) return false;
  const at = value.lastIndexOf('@');
  if (at < 1) return false;
  const local = value.slice(0, at);
  const labels = value.slice(at + 1).split('.');
  if (local.length > LOCAL_MAX_LENGTH || !LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  return labels.length >= 2 && labels.every((label) => LABEL.test(label));
}

export function normalizeEmail(value: string): string {
  return value.trim().toLowerCase();
}

/** The schema of an email field: the `email` format is `isEmail` (see src/ops/validation.ts). */
export const emailProperty = { type: 'string', minLength: 3, maxLength: EMAIL_MAX_LENGTH, format: 'email' } as const;
