// How parameters travel to a vendor's authorization and token endpoints, per the definition:
// form-encoded (RFC 6749 appendix B) or JSON, with the scopes joined by the declared separator.
import { SEPARATOR_CHARACTER, type ConnectorDefinition } from './definition.ts';

/** A parameter value; `raw` is already encoded and goes on the wire as is. */
export type Value = string | { raw: string; text: string };

/** The scope parameter. With the "plus" separator the plus signs are literal on the wire. */
export function scopeValue(definition: ConnectorDefinition): Value | undefined {
  if (definition.scopes.length === 0) return undefined;
  const text = definition.scopes.join(SEPARATOR_CHARACTER[definition.scopeSeparator]);
  if (definition.scopeSeparator !== 'plus') return text;
  return { raw: definition.scopes.map(formEncode).join('+'), text };
}

// application/x-www-form-urlencoded: spaces become "+", everything outside the unreserved set is
// percent-encoded (WHATWG URL, the serializer browsers use).
export function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

export function encodeForm(params: Record<string, Value>): string {
  return Object.entries(params)
    .map(([name, value]) => `${formEncode(name)}=${typeof value === 'string' ? formEncode(value) : value.raw}`)
    .join('&');
}

export function encodeJson(params: Record<string, Value>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : v.text])));
}

/** Parameters added to a URL's own query (the authorization redirect). */
export function withQuery(base: string, params: Record<string, Value>): string {
  const url = new URL(base);
  const extra = encodeForm(params);
  const query = url.search.slice(1);
  url.search = '';
  return `${url.toString()}?${query ? `${query}&` : ''}${extra}`;
}

/** Defined params first, then Gatehouse's: the protocol's own parameters always win. */
export function mergeParams(extra: Record<string, string>, own: Record<string, Value | undefined>): Record<string, Value> {
  const out: Record<string, Value> = { ...extra };
  for (const [k, v] of Object.entries(own)) if (v !== undefined) out[k] = v;
  return out;
}
