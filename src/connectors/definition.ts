// A connector definition (seed 004): every field the operator fills in, vendor quirks included,
// as data. The JSON schema rejects unknown fields and wrong types; `checkDefinition` adds the
// rules that span fields. Definitions are stored as written and `normalize` applies defaults on
// read, so a field left to default keeps following its default.
import { AppError, errors } from '../errors.ts';

export type GrantType = 'authorization_code' | 'client_credentials';
export type ScopeSeparator = 'space' | 'comma' | 'plus';
export type TimeUnit = 'seconds' | 'milliseconds';

export interface RequestExtras {
  headers: Record<string, string>;
  params: Record<string, string>;
}

/** Where a non-standard token response keeps its values: dotted paths, e.g. "data.token". */
export interface TokenResponseMapping {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  scope: string;
  expiresIn: string;
  expiresInUnit: TimeUnit;
  /** An absolute expiry (a date string, or a number in expiresAtUnit since the epoch); wins over expiresIn. */
  expiresAt: string | null;
  expiresAtUnit: TimeUnit;
}

export interface ConnectorDefinition {
  name: string;
  grantType: GrantType;
  authUrl: string | null;
  /** The vendor's issuer identifier: when set, callbacks must carry it as `iss` (RFC 9207). */
  issuer: string | null;
  tokenUrl: string;
  refreshUrl: string;
  revocationUrl: string | null;
  clientId: string;
  scopes: string[];
  scopeSeparator: ScopeSeparator;
  clientAuthentication: 'basic' | 'body';
  tokenPlacement: 'header' | 'query';
  /** The header (default Authorization) or query parameter (default access_token) carrying the token. */
  tokenParam: string;
  headerPrefix: string;
  extra: { auth: RequestExtras; token: RequestExtras; refresh: RequestExtras };
  bodyFormat: 'form' | 'json';
  pkce: boolean;
  apiBaseUrl: string;
  refreshMarginSeconds: number;
  /** Time a proxied call or a token request may take before it is abandoned. */
  timeoutMs: number;
  tokenResponse: TokenResponseMapping;
  /** Methods the proxy forwards to the vendor's API; anything else is 405. */
  proxyMethods: ProxyMethod[];
  /** Of those, the methods an organization member who is not an admin may use. */
  memberMethods: ProxyMethod[];
}

// TRACE and CONNECT are never forwarded: TRACE echoes the request (credentials included) and
// CONNECT would open a tunnel through Gatehouse (RFC 9110 §9.3.6, §9.3.8).
export const PROXY_METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type ProxyMethod = (typeof PROXY_METHODS)[number];
export const DEFAULT_PROXY_METHODS: ProxyMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
// RFC 9110 §9.2.1: the safe methods (TRACE aside), which only read.
export const DEFAULT_MEMBER_METHODS: ProxyMethod[] = ['GET', 'HEAD', 'OPTIONS'];

/** The definition as written: what the admin API accepts (clientSecret is stored apart, sealed). */
export type DefinitionInput = Partial<Omit<ConnectorDefinition, 'extra' | 'tokenResponse'>> & {
  clientSecret?: string;
  extra?: Partial<Record<'auth' | 'token' | 'refresh', Partial<RequestExtras>>>;
  tokenResponse?: Partial<TokenResponseMapping>;
};

const url = { type: 'string', minLength: 1, maxLength: 2000 };
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });
const stringMap = { type: 'object', maxProperties: 50, additionalProperties: { type: 'string', maxLength: 4000 } };
const extras = { type: 'object', additionalProperties: false, properties: { headers: stringMap, params: stringMap } };
const path = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^.]+(\\.[^.]+)*$' };
const unit = { type: 'string', enum: ['seconds', 'milliseconds'] };

/** Fields every definition may carry (PATCH bodies take any subset). */
export const definitionProperties = {
  name: text(200),
  grantType: { type: 'string', enum: ['authorization_code', 'client_credentials'] },
  authUrl: { type: ['string', 'null'], minLength: 1, maxLength: 2000 },
  issuer: { type: ['string', 'null'], minLength: 1, maxLength: 2000 },
  tokenUrl: url,
  refreshUrl: { type: ['string', 'null'], minLength: 1, maxLength: 2000 },
  revocationUrl: { type: ['string', 'null'], minLength: 1, maxLength: 2000 },
  clientId: text(500),
  clientSecret: text(4000),
  scopes: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 500, pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' } },
  scopeSeparator: { type: 'string', enum: ['space', 'comma', 'plus', ' ', ',', '+'] },
  clientAuthentication: { type: 'string', enum: ['basic', 'body'] },
  tokenPlacement: { type: 'string', enum: ['header', 'query'] },
  tokenParam: text(200),
  headerPrefix: { type: 'string', maxLength: 100, pattern: '^[\\x21-\\x7E]*$' },
  extra: { type: 'object', additionalProperties: false, properties: { auth: extras, token: extras, refresh: extras } },
  bodyFormat: { type: 'string', enum: ['form', 'json'] },
  pkce: { type: 'boolean' },
  apiBaseUrl: url,
  refreshMarginSeconds: { type: 'integer', minimum: 0, maximum: 86400 },
  timeoutMs: { type: 'integer', minimum: 100, maximum: 300_000 },
  proxyMethods: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: PROXY_METHODS } },
  memberMethods: { type: 'array', uniqueItems: true, items: { type: 'string', enum: PROXY_METHODS } },
  tokenResponse: {
    type: 'object', additionalProperties: false,
    properties: {
      accessToken: path, refreshToken: path, tokenType: path, scope: path, expiresIn: path, expiresInUnit: unit,
      expiresAt: { ...path, type: ['string', 'null'] }, expiresAtUnit: unit,
    },
  },
};

export const REQUIRED = ['name', 'grantType', 'tokenUrl', 'clientId', 'clientSecret', 'apiBaseUrl'];

// An optional field may be null: "use the default" (which also undoes an earlier value).
const nullable = Object.fromEntries(Object.entries(definitionProperties).map(([key, schema]) => {
  if (REQUIRED.includes(key)) return [key, schema];
  const type = (schema as { type: string | string[] }).type;
  return [key, { ...schema, type: [...new Set([...(Array.isArray(type) ? type : [type]), 'null'])] }];
}));

export const definitionInputSchema = { type: 'object', additionalProperties: false, required: REQUIRED, properties: nullable };
export const definitionPatchSchema = { type: 'object', additionalProperties: false, minProperties: 1, properties: nullable };

const SEPARATORS: Record<string, ScopeSeparator> = { ' ': 'space', ',': 'comma', '+': 'plus' };
export const SEPARATOR_CHARACTER: Record<ScopeSeparator, string> = { space: ' ', comma: ',', plus: '+' };

// RFC 9110 §5.1: a field name is a token.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// RFC 9110 §5.5: no CR, LF or NUL in a field value.
const HEADER_VALUE = /^[^\r\n\0]*$/;
// Set by Gatehouse itself or by the connection: a definition may not override them.
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'proxy-connection']);

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
    if (!HEADER_NAME.test(name)) throw invalid(`${field}/headers/${name}`, 'is not a valid header name');
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw invalid(`${field}/headers/${name}`, 'is set by Gatehouse and cannot be overridden');
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
  if (input.tokenParam !== undefined) {
    if (placement === 'header' && !HEADER_NAME.test(input.tokenParam)) throw invalid('tokenParam', 'must be a header name when tokenPlacement is header');
    if (placement === 'header' && RESERVED_HEADERS.has(input.tokenParam.toLowerCase())) throw invalid('tokenParam', 'cannot be a header Gatehouse sets itself');
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
