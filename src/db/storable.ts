// What PostgreSQL can store. Its text type holds no NUL character; jsonb refuses the \u0000
// escape and any UTF-16 surrogate that is not half of a pair; a timestamptz spans years 4713 BC
// to 294276 AD, and JavaScript dates a different range. A JavaScript string can carry all of
// these (a JSON body with "\ud800", a receiver's answer with NUL bytes), and one such value in
// a statement that writes many rows fails them all.
//
// Text kept for the record (audit events, delivery logs, what vendors answered, event payloads)
// goes through storableText/storableJson: each offending character becomes U+FFFD, so the value
// is stored and still shows where the damage was. A request is refused instead (400 naming the
// field, see ops/validation.ts, which uses unstorablePath), as it cannot be stored as sent.
// Dates given in a request must pass isStorableDateTime (the schemas' date-time format) and are
// read with parseDateTime; a date a vendor gives goes through storableDate.
import { errors } from '../errors.ts';

const REPLACEMENT = '\uFFFD';

/** True when PostgreSQL text and jsonb can hold `value` as it is. */
function isStorable(value: string): boolean {
  return value.isWellFormed() && !value.includes('\0');
}

/** `value` with NUL and unpaired surrogates replaced by U+FFFD. */
export function storableText(value: string): string;
export function storableText(value: string | null | undefined): string | null;
export function storableText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return isStorable(value) ? value : value.toWellFormed().replaceAll('\0', REPLACEMENT);
}

/**
 * The path (`/name`, `/extra/0`) of the first string in a parsed request part, key or value,
 * that PostgreSQL cannot store as it is; undefined when there is none.
 */
export function unstorablePath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return isStorable(value) ? undefined : path || '/';
  if (value === null || typeof value !== 'object') return undefined;
  if (ArrayBuffer.isView(value) || typeof (value as { pipe?: unknown }).pipe === 'function') return undefined; // raw bytes, a stream
  for (const [key, item] of Object.entries(value)) {
    const at = `${path}/${key}`;
    if (!isStorable(key)) return at;
    const found = unstorablePath(item, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A copy of a JSON-like value whose every string, keys included, is storable. */
function storableValue(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(storableValue);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), storableValue(v)]));
  }
  return value;
}

/**
 * JSON text a jsonb column accepts. JSON.stringify writes a NUL or a lone surrogate as a \u
 * escape, which is what jsonb refuses; text without one is returned as it is, so the common case
 * (every audit event) walks nothing and copies nothing.
 */
export function storableJson(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes('\\u') ? JSON.stringify(storableValue(value)) : json;
}

// Years 0001 to 9999: what RFC 3339 can write, and well inside both PostgreSQL's range and
// JavaScript's (PostgreSQL has no year 0, so "0000-01-01" is a date it cannot take).
const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/** True when `date` is a valid instant PostgreSQL can store and compare. */
function isStorableDate(date: Date): boolean {
  const t = date.getTime();
  return Number.isFinite(t) && t >= FIRST_INSTANT && t <= LAST_INSTANT;
}

/** A date from outside (a vendor's expiry, say) as given, or null when it cannot be stored. */
export function storableDate(date: Date): Date | null {
  return isStorableDate(date) ? date : null;
}

// RFC 3339 §5.6 allows a leap second (:60), which JavaScript dates cannot represent (they would
// read it as the next minute, or not at all).
const LEAP_SECOND = /[T\s]\d\d:\d\d:60/i;
const parse = (value: string) => new Date(value.toUpperCase());

/** Why `value`, an RFC 3339 date-time, cannot be stored as an instant; undefined when it can. */
function dateTimeProblem(value: string): string | undefined {
  if (LEAP_SECOND.test(value)) return 'names a leap second (:60), which cannot be stored; use :59';
  const date = parse(value);
  if (Number.isNaN(date.getTime())) return 'must be an RFC 3339 date-time';
  if (!isStorableDate(date)) return 'must lie between years 0001 and 9999';
  return undefined;
}

/** True when `value` reads as an instant PostgreSQL can store (the date-time format of every schema). */
export function isStorableDateTime(value: string): boolean {
  return dateTimeProblem(value) === undefined;
}

/**
 * An RFC 3339 date-time from a request, as a Date. 400 naming `field` when it is not one, when
 * it names a leap second (JavaScript dates have none) or when it lies outside years 0001-9999.
 */
export function parseDateTime(value: string, field: string): Date {
  const problem = dateTimeProblem(value);
  if (problem) throw errors.Invalid(`${field} ${problem}`);
  return parse(value);
}
