// A connector definition (seed 004): every field the operator fills in, vendor quirks included,
// as data. The JSON schema rejects unknown fields and wrong types; `checkDefinition` adds the
// rules that span fields. Definitions are stored as written and `normalize` applies defaults on
// read, so a field left to default keeps following its default.
import { AppError, errors } from '../errors.ts';
import { FIELD_NAME, SET_BY_GATEHOUSE } from '../net/header-fields.ts';
import type { FromSchema } from 'json-schema-to-ts';

// TRACE and CONNECT are never forwarded: TRACE echoes the request (credentials included) and
// CONNECT would open a tunnel through Gatehouse (RFC 9110 §9.3.6, §9.3.8).
const PROXY_METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type ProxyMethod = (typeof PROXY_METHODS)[number];
const DEFAULT_PROXY_METHODS: ProxyMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
// RFC 9110 §9.2.1: the safe methods (TRACE aside), which only read.
const DEFAULT_MEMBER_METHODS: ProxyMethod[] = ['GET', 'HEAD', 'OPTIONS'];

const url = { type: 'string', minLength: 1, maxLength: 2000 } as const;
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const stringMap = { type: 'object', maxProperties: 50, additionalProperties: { type: 'string', maxLength: 4000 } } as const;
const extras = { type: 'object', additionalProperties: false, properties: { headers: stringMap, params: stringMap } } as const;
const path = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^.]+(\\.[^.]+)*$' } as const;
const unit = { type: 'string', enum: ['seconds', 'milliseconds'] } as const;

/**
 * Fields every definition may carry (PATCH bodies take any subset): the one statement of a
 * definition's shape. The input, stored and normalized types below are derived from it.
 */
export const definitionProperties = {
  name: text(200),
  grantType: { type: 'string', enum: ['authorization_code', 'client_credentials'] },
  authUrl: { type: ['string', 'null'], minLength: 1, maxLength: 2000 },
  // The vendor's issuer identifier: when set, callbacks must carry it as `iss` (RFC 9207).
  issuer: { type: ['string', 'null'], minLength: 1, maxLength: 2000 },
  tokenUrl: url,
  refreshUrl: { type: ['string', 'null'], minLength: 1, maxLength: 2000 },
  revocationUrl: { type: ['string', 'null'], minLength: 1, maxLength: 2000 },
  clientId: text(500),
  // Stored apart from the definition, sealed.
  clientSecret: text(4000),
  scopes: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 500, pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' } },
  scopeSeparator: { type: 'string', enum: ['space', 'comma', 'plus', ' ', ',', '+'] },
  clientAuthentication: { type: 'string', enum: ['basic', 'body'] },
  tokenPlacement: { type: 'string', enum: ['header', 'query'] },
  // The header (default Authorization) or query parameter (default access_token) carrying the token.
  tokenParam: text(200),
  headerPrefix: { type: 'string', maxLength: 100, pattern: '^[\\x21-\\x7E]*$' },
  extra: { type: 'object', additionalProperties: false, properties: { auth: extras, token: extras, refresh: extras } },
  bodyFormat: { type: 'string', enum: ['form', 'json'] },
  pkce: { type: 'boolean' },
  apiBaseUrl: url,
  refreshMarginSeconds: { type: 'integer', minimum: 0, maximum: 86400 },
  // Time a proxied call or a token request may take before it is abandoned.
  timeoutMs: { type: 'integer', minimum: 100, maximum: 300_000 },
  // Methods the proxy forwards to the vendor's API (anything else is 405), and of those, the
  // methods an organization member who is not an admin may use.
  proxyMethods: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: PROXY_METHODS } },
  memberMethods: { type: 'array', uniqueItems: true, items: { type: 'string', enum: PROXY_METHODS } },
  // Where a non-standard token response keeps its values: dotted paths, e.g. "data.token".
  // expiresAt is an absolute expiry (a date string, or a number in expiresAtUnit since the epoch)
  // and wins over expiresIn.
  tokenResponse: {
    type: 'object',
    additionalProperties: false,
    properties: {
      accessToken: path,
      refreshToken: path,
      tokenType: path,
      scope: path,
      expiresIn: path,
      expiresInUnit: unit,
      expiresAt: { ...path, type: ['string', 'null'] },
      expiresAtUnit: unit,
    },
  },
} as const;

const REQUIRED = ['name', 'grantType', 'tokenUrl', 'clientId', 'clientSecret', 'apiBaseUrl'] as const;

/** Each field as written, every one optional (as in a PATCH body without nulls). */
type Fields = FromSchema<{ type: 'object'; additionalProperties: false; properties: typeof definitionProperties }>;

type GrantType = NonNullable<Fields['grantType']>;
export type ScopeSeparator = 'space' | 'comma' | 'plus';
export type TimeUnit = FromSchema<typeof unit>;
export type RequestExtras = Required<FromSchema<typeof extras>>;
export type TokenResponseMapping = Required<NonNullable<Fields['tokenResponse']>>;

/** The definition with every default applied (src/connectors/connectors.ts hands this around). */
export type ConnectorDefinition = Required<Omit<Fields, 'clientSecret' | 'refreshUrl' | 'scopeSeparator' | 'extra' | 'tokenResponse'>> & {
  refreshUrl: string;
  scopeSeparator: ScopeSeparator;
  extra: { auth: RequestExtras; token: RequestExtras; refresh: RequestExtras };
  tokenResponse: TokenResponseMapping;
};

// An optional field may be null: "use the default" (which also undoes an earlier value).
type OrNull<Schema> = Schema extends { type: infer T }
  ? Omit<Schema, 'type'> & { type: readonly [...(T extends readonly unknown[] ? T : [T]), 'null'] }
  : Schema;
type Nullable = {
  [K in keyof typeof definitionProperties]: K extends (typeof REQUIRED)[number] ? (typeof definitionProperties)[K] : OrNull<(typeof definitionProperties)[K]>;
};
// Object.fromEntries forgets the keys; Nullable says what the map makes of each.
const nullable = Object.fromEntries(
  Object.entries(definitionProperties).map(([key, schema]) => {
    if ((REQUIRED as readonly string[]).includes(key)) return [key, schema];
    const type = (schema as { type: string | readonly string[] }).type;
    return [key, { ...schema, type: [...new Set([...(Array.isArray(type) ? type : [type]), 'null'])] }];
  }),
) as Nullable;

export const definitionInputSchema = { type: 'object', additionalProperties: false, required: REQUIRED, properties: nullable } as const;
export const definitionPatchSchema = { type: 'object', additionalProperties: false, minProperties: 1, properties: nullable } as const;

/** The definition as written, stored and sent to the admin API: any field may be absent, an optional one null. */
export type DefinitionInput = FromSchema<typeof definitionPatchSchema>;

const SEPARATORS: Record<string, ScopeSeparator> = { ' ': 'space', ',': 'comma', '+': 'plus' };
export const SEPARATOR_CHARACTER: Record<ScopeSeparator, string> = { space: ' ', comma: ',', plus: '+' };

// RFC 9110 §5.5: no CR, LF or NUL in a field value.
const HEADER_VALUE = /^[^\r\n\0]*$/;

function invalid(field: string, message: string): AppError {
  return errors.Invalid(`body/${field} ${message}`);
}

function checkUrl(field: string, value: string | null | undefined, options: { query?: boolean } = {}): void {
  if (value === undefined || value === null) return;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalid(field, `must be an absolute URL, got "${value}"`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw invalid(field, `must use https (or http), got "${parsed.protocol}"`);
  if (parsed.username || parsed.password) throw invalid(field, 'must not carry credentials; use clientId and clientSecret');
  if (parsed.hash) throw invalid(field, 'must not have a fragment');
  if (options.query === false && parsed.search) throw invalid(field, 'must not have a query string');
}

function checkExtras(field: string, value: Partial<RequestExtras> | undefined): void {
  for (const [name, headerValue] of Object.entries(value?.headers ?? {})) {
    if (!FIELD_NAME.test(name)) throw invalid(`${field}/headers/${name}`, 'is not a valid header name');
    if (SET_BY_GATEHOUSE.has(name.toLowerCase())) throw invalid(`${field}/headers/${name}`, 'is set by Gatehouse and cannot be overridden');
    if (!HEADER_VALUE.test(headerValue)) throw invalid(`${field}/headers/${name}`, 'must not contain line breaks');
  }
  for (const name of Object.keys(value?.params ?? {})) {
    if (name === '') throw invalid(`${field}/params`, 'must not have an empty parameter name');
  }
}

/** The rules the schema cannot express. Throws a 400 naming the field. */
export function checkDefinition(input: DefinitionInput): void {
  for (const field of REQUIRED) {
    if ((input as Record<string, unknown>)[field] === undefined) throw invalid(field, 'is required');
  }
  const code = input.grantType === 'authorization_code';
  if (code && !input.authUrl) throw invalid('authUrl', 'is required when grantType is authorization_code');
  if (!code && input.authUrl) throw invalid('authUrl', 'applies only to grantType authorization_code');
  if (!code && input.pkce === true) throw invalid('pkce', 'applies only to grantType authorization_code');
  if (!code && input.issuer) throw invalid('issuer', 'applies only to grantType authorization_code');
  checkUrl('authUrl', input.authUrl);
  checkUrl('issuer', input.issuer);
  checkUrl('tokenUrl', input.tokenUrl);
  checkUrl('refreshUrl', input.refreshUrl);
  checkUrl('revocationUrl', input.revocationUrl);
  checkUrl('apiBaseUrl', input.apiBaseUrl, { query: false });
  if (input.extra?.auth?.headers && Object.keys(input.extra.auth.headers).length > 0) {
    // The authorization request is the browser's redirect to authUrl: it cannot carry headers.
    throw invalid('extra/auth/headers', 'cannot be sent: the authorization request is a browser redirect (use extra/auth/params)');
  }
  if (!code && input.extra?.auth) throw invalid('extra/auth', 'applies only to grantType authorization_code');
  checkExtras('extra/auth', input.extra?.auth);
  checkExtras('extra/token', input.extra?.token);
  checkExtras('extra/refresh', input.extra?.refresh);
  const placement = input.tokenPlacement ?? 'header';
  if (typeof input.tokenParam === 'string') {
    if (placement === 'header' && !FIELD_NAME.test(input.tokenParam)) throw invalid('tokenParam', 'must be a header name when tokenPlacement is header');
    if (placement === 'header' && SET_BY_GATEHOUSE.has(input.tokenParam.toLowerCase())) throw invalid('tokenParam', 'cannot be a header Gatehouse sets itself');
  }
  if (placement === 'query' && input.headerPrefix) throw invalid('headerPrefix', 'applies only to tokenPlacement header');
  const proxied = input.proxyMethods ?? DEFAULT_PROXY_METHODS;
  const beyond = (input.memberMethods ?? []).filter((m) => !proxied.includes(m));
  if (beyond.length > 0) throw invalid('memberMethods', `lists ${beyond.join(', ')}, which proxyMethods does not allow`);
}

/** The definition with every default applied. */
export function normalize(input: DefinitionInput): ConnectorDefinition {
  const grantType = input.grantType as GrantType;
  const tokenPlacement = input.tokenPlacement ?? 'header';
  const extras = (e: Partial<RequestExtras> | undefined): RequestExtras => ({ headers: { ...e?.headers }, params: { ...e?.params } });
  const mapping = input.tokenResponse ?? {};
  return {
    name: input.name as string,
    grantType,
    authUrl: input.authUrl ?? null,
    issuer: input.issuer ?? null,
    tokenUrl: input.tokenUrl as string,
    refreshUrl: input.refreshUrl ?? (input.tokenUrl as string),
    revocationUrl: input.revocationUrl ?? null,
    clientId: input.clientId as string,
    scopes: input.scopes ?? [],
    scopeSeparator: SEPARATORS[input.scopeSeparator as string] ?? input.scopeSeparator ?? 'space',
    // RFC 6749 §2.3.1: servers must support HTTP Basic, so it is the default.
    clientAuthentication: input.clientAuthentication ?? 'basic',
    tokenPlacement,
    tokenParam: input.tokenParam ?? (tokenPlacement === 'query' ? 'access_token' : 'Authorization'),
    headerPrefix: input.headerPrefix ?? (tokenPlacement === 'query' ? '' : 'Bearer'),
    extra: { auth: extras(input.extra?.auth), token: extras(input.extra?.token), refresh: extras(input.extra?.refresh) },
    bodyFormat: input.bodyFormat ?? 'form',
    // RFC 9700 §2.1.1: use PKCE with every authorization-code client.
    pkce: grantType === 'authorization_code' ? (input.pkce ?? true) : false,
    apiBaseUrl: (input.apiBaseUrl as string).replace(/\/+$/, ''),
    refreshMarginSeconds: input.refreshMarginSeconds ?? 300,
    timeoutMs: input.timeoutMs ?? 30_000,
    proxyMethods: input.proxyMethods ?? DEFAULT_PROXY_METHODS,
    memberMethods: input.memberMethods ?? DEFAULT_MEMBER_METHODS,
    tokenResponse: {
      accessToken: mapping.accessToken ?? 'access_token',
      refreshToken: mapping.refreshToken ?? 'refresh_token',
      tokenType: mapping.tokenType ?? 'token_type',
      scope: mapping.scope ?? 'scope',
      expiresIn: mapping.expiresIn ?? 'expires_in',
      expiresInUnit: mapping.expiresInUnit ?? 'seconds',
      expiresAt: mapping.expiresAt ?? null,
      expiresAtUnit: mapping.expiresAtUnit ?? 'seconds',
    },
  };
}

/** A PATCH merged onto what was stored: nested objects merge one level down, null clears. */
export function merge(stored: DefinitionInput, patch: DefinitionInput): DefinitionInput {
  const out: Record<string, unknown> = { ...stored };
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'extra' && value) {
      out.extra = { ...stored.extra, ...(value as object) };
    } else if (key === 'tokenResponse' && value) {
      out.tokenResponse = { ...stored.tokenResponse, ...(value as object) };
    } else if (value === null) {
      delete out[key];
    } else {
      out[key] = value;
    }
  }
  return out as DefinitionInput;
}
