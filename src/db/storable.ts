// What PostgreSQL can store. Its text type holds no NUL character; jsonb refuses the \u0000
// escape and any UTF-16 surrogate that is not half of a pair; a timestamptz spans years 4713 BC
// to 294276 AD, and JavaScript dates a different range. A JavaScript string can carry all of
// these (a JSON body with "\ud800", a receiver's answer with NUL bytes), and one such value in
// a statement that writes many rows fails them all.
//
// Text kept for the record (audit events, delivery logs, what vendors answered, event payloads)
// goes through storableText/storableJson: each offending character becomes U+FFFD, so the value
// is stored and still shows where the damage was. Dates given in a request are read with
// parseDateTime, which answers 400 naming the field for one PostgreSQL cannot take.
import { AppError } from '../errors.ts';

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

/**
 * An RFC 3339 date-time from a request, as a Date. 400 naming `field` when it is not one, when
 * it names a leap second (JavaScript dates have none) or when it lies outside years 0001-9999.
 */
export function parseDateTime(value: string, field: string): Date {
  if (/T\d\d:\d\d:60/i.test(value)) throw new AppError(400, 'invalid_request', `${field} names a leap second (:60), which cannot be stored; use :59`);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new AppError(400, 'invalid_request', `${field} must be an RFC 3339 date-time`);
  if (!isStorableDate(date)) throw new AppError(400, 'invalid_request', `${field} must lie between years 0001 and 9999`);
  return date;
}
