// A connector definition (seed 004): every field the operator fills in, vendor quirks included,
// as data. The JSON schema rejects unknown fields and wrong types; `checkDefinition` adds the
// rules that span fields. Definitions are stored as written and `normalize` applies defaults on
// read, so a field left to default keeps following its default.
import { AppError, errors } from '../errors.ts';
import { FIELD_NAME, SET_BY_GATEHOUSE } from '../net/header-fields.ts';
import { checkConfigFields, configField, credentialField, fieldName } from './config-fields.ts';
import { placeholders, TemplateError, type TemplateSource } from './templates.ts';
import type { FromSchema } from 'json-schema-to-ts';

// How the proxy authenticates to the vendor: an OAuth 2.0 token (the default), keys placed by
// proxyHeaders/proxyQuery, HTTP Basic (RFC 7617), or a token from a vendor-specific exchange.
const AUTH_MODES = ['oauth2', 'api_key', 'basic', 'two_step'] as const;
type AuthMode = (typeof AUTH_MODES)[number];

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
      // Values lifted from the token response into the connection's config: config name -> path.
      config: { type: 'object', maxProperties: 20, propertyNames: fieldName, additionalProperties: path },
    },
  },
  authMode: { type: 'string', enum: AUTH_MODES },
  connectionConfig: { type: 'array', maxItems: 50, items: configField },
  credentials: { type: 'array', maxItems: 20, items: credentialField },
  // Templates of the Basic user name and password (RFC 7617), for authMode basic.
  basic: {
    type: 'object',
    additionalProperties: false,
    required: ['username', 'password'],
    properties: { username: text(2000), password: { type: 'string', maxLength: 4000 } },
  },
  // Headers and query parameters (name -> template) added to every proxied call, in every mode.
  proxyHeaders: stringMap,
  proxyQuery: stringMap,
  // The vendor-specific exchange of authMode two_step; tokenResponse reads its answer.
  tokenRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['method', 'url'],
    properties: {
      method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH'] },
      url,
      headers: stringMap,
      // Values are JSON (strings are templates); a form body takes strings only.
      body: { type: 'object', maxProperties: 50 },
      bodyFormat: { type: 'string', enum: ['json', 'form'] },
    },
  },
  // A call through the proxy that proves a connection's credentials when they are given.
  verify: {
    type: 'object',
    additionalProperties: false,
    required: ['method', 'path'],
    properties: { method: { type: 'string', enum: PROXY_METHODS }, path: { type: 'string', minLength: 1, maxLength: 2000, pattern: '^/' } },
  },
  // The vendor's published limit for one connection's calls.
  rateLimit: {
    type: 'object',
    additionalProperties: false,
    required: ['requests', 'perSeconds'],
    properties: { requests: { type: 'integer', minimum: 1, maximum: 1_000_000 }, perSeconds: { type: 'integer', minimum: 1, maximum: 86_400 } },
  },
  documentationUrl: url,
} as const;

// Required of every definition; OAUTH_REQUIRED of the oauth2 ones (checkDefinition says so).
const REQUIRED = ['name', 'apiBaseUrl'] as const;
const OAUTH_REQUIRED = ['grantType', 'tokenUrl', 'clientId', 'clientSecret'] as const;
// Never null: a definition changes mode by being written anew.
const NOT_NULL = [...REQUIRED, ...OAUTH_REQUIRED] as const;

/** Each field as written, every one optional (as in a PATCH body without nulls). */
type Fields = FromSchema<{ type: 'object'; additionalProperties: false; properties: typeof definitionProperties }>;

type GrantType = NonNullable<Fields['grantType']>;
export type ScopeSeparator = 'space' | 'comma' | 'plus';
export type TimeUnit = FromSchema<typeof unit>;
export type RequestExtras = Required<FromSchema<typeof extras>>;
type CredentialField = Required<Omit<FromSchema<typeof credentialField>, 'description'>> & { description?: string };
export type TokenResponseMapping = Required<Omit<NonNullable<Fields['tokenResponse']>, 'config'>> & { config: Record<string, string> };
type TokenRequestFields = NonNullable<Fields['tokenRequest']>;
type TokenRequest = Required<Omit<TokenRequestFields, 'body'>> & { body: Record<string, unknown> | null };

type Special = 'clientSecret' | 'refreshUrl' | 'scopeSeparator' | 'extra' | 'tokenResponse' | 'grantType' | 'tokenUrl' | 'clientId';
type Optional = 'credentials' | 'basic' | 'tokenRequest' | 'verify' | 'rateLimit' | 'documentationUrl';

/** The definition with every default applied (src/connectors/connectors.ts hands this around). */
export type ConnectorDefinition = Required<Omit<Fields, Special | Optional>> & {
  // Null outside authMode oauth2.
  grantType: GrantType | null;
  tokenUrl: string | null;
  refreshUrl: string | null;
  clientId: string | null;
  scopeSeparator: ScopeSeparator;
  extra: { auth: RequestExtras; token: RequestExtras; refresh: RequestExtras };
  tokenResponse: TokenResponseMapping;
  credentials: CredentialField[];
  basic: NonNullable<Fields['basic']> | null;
  tokenRequest: TokenRequest | null;
  verify: NonNullable<Fields['verify']> | null;
  rateLimit: NonNullable<Fields['rateLimit']> | null;
  documentationUrl: string | null;
};

// An optional field may be null: "use the default" (which also undoes an earlier value).
type OrNull<Schema> = Schema extends { type: infer T }
  ? Omit<Schema, 'type'> & { type: readonly [...(T extends readonly unknown[] ? T : [T]), 'null'] }
  : Schema;
type Nullable = {
  [K in keyof typeof definitionProperties]: K extends (typeof NOT_NULL)[number] ? (typeof definitionProperties)[K] : OrNull<(typeof definitionProperties)[K]>;
};
// Object.fromEntries forgets the keys; Nullable says what the map makes of each.
const nullable = Object.fromEntries(
  Object.entries(definitionProperties).map(([key, schema]) => {
    if ((NOT_NULL as readonly string[]).includes(key)) return [key, schema];
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

// A placeholder standing first in a URL template is a whole URL (a per-tenant instance URL);
// anywhere else it is one part of it. Either way the URL is checked again once filled.
const STAND_IN_URL = 'https://placeholder.invalid';

function checkUrl(field: string, value: string | null | undefined, options: { query?: boolean } = {}): void {
  if (value === undefined || value === null) return;
  const shape = value.replace(/^\$\{[^}]*\}/, STAND_IN_URL).replace(/\$\{[^}]*\}/g, 'x');
  let parsed: URL;
  try {
    parsed = new URL(shape);
  } catch {
    throw invalid(field, `must be an absolute URL, got "${value}"`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw invalid(field, `must use https (or http), got "${parsed.protocol}"`);
  if (parsed.username || parsed.password) throw invalid(field, 'must not carry credentials; use clientId and clientSecret');
  if (parsed.hash) throw invalid(field, 'must not have a fragment');
  if (options.query === false && parsed.search) throw invalid(field, 'must not have a query string');
}

/** A URL once its placeholders are filled: the same rules as a URL written as it is. */
export function checkFilledUrl(field: string, value: string, options: { query?: boolean } = {}): void {
  checkUrl(field, value, options);
}

function checkHeaders(field: string, headers: Record<string, string> | undefined): void {
  for (const [name, headerValue] of Object.entries(headers ?? {})) {
    if (!FIELD_NAME.test(name)) throw invalid(`${field}/${name}`, 'is not a valid header name');
    if (SET_BY_GATEHOUSE.has(name.toLowerCase())) throw invalid(`${field}/${name}`, 'is set by Gatehouse and cannot be overridden');
    if (!HEADER_VALUE.test(headerValue)) throw invalid(`${field}/${name}`, 'must not contain line breaks');
  }
}

function checkExtras(field: string, value: Partial<RequestExtras> | undefined): void {
  checkHeaders(`${field}/headers`, value?.headers);
  for (const name of Object.keys(value?.params ?? {})) {
    if (name === '') throw invalid(`${field}/params`, 'must not have an empty parameter name');
  }
}

/** Every template in a definition, by the field it sits in (the names checkDefinition reports). */
function templateFields(input: DefinitionInput): [string, string][] {
  const out: [string, string][] = [];
  const add = (field: string, value: unknown) => {
    if (typeof value === 'string') out.push([field, value]);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) add(`${field}/${k}`, v);
  };
  for (const key of [
    'apiBaseUrl',
    'authUrl',
    'tokenUrl',
    'refreshUrl',
    'revocationUrl',
    'basic',
    'proxyHeaders',
    'proxyQuery',
    'tokenRequest',
    'verify',
  ] as const) {
    add(key, input[key]);
  }
  for (const step of ['auth', 'token', 'refresh'] as const) {
    add(`extra/${step}/headers`, input.extra?.[step]?.headers);
    add(`extra/${step}/params`, input.extra?.[step]?.params);
  }
  return out;
}

function checkFieldNames(field: string, fields: readonly { name: string }[] | null | undefined): Set<string> {
  const names = new Set<string>();
  for (const [i, f] of (fields ?? []).entries()) {
    if (names.has(f.name)) throw invalid(`${field}/${i}/name`, `repeats "${f.name}"`);
    names.add(f.name);
  }
  return names;
}

// The fields each mode may carry beyond those every mode takes.
const ONLY: Record<string, readonly AuthMode[]> = {
  grantType: ['oauth2'],
  authUrl: ['oauth2'],
  issuer: ['oauth2'],
  tokenUrl: ['oauth2'],
  refreshUrl: ['oauth2'],
  revocationUrl: ['oauth2'],
  clientId: ['oauth2'],
  clientSecret: ['oauth2'],
  scopes: ['oauth2'],
  scopeSeparator: ['oauth2'],
  clientAuthentication: ['oauth2'],
  extra: ['oauth2'],
  bodyFormat: ['oauth2'],
  pkce: ['oauth2'],
  tokenPlacement: ['oauth2', 'two_step'],
  tokenParam: ['oauth2', 'two_step'],
  headerPrefix: ['oauth2', 'two_step'],
  tokenResponse: ['oauth2', 'two_step'],
  refreshMarginSeconds: ['oauth2', 'two_step'],
  credentials: ['api_key', 'basic', 'two_step'],
  basic: ['basic'],
  tokenRequest: ['two_step'],
};

/** The rules the schema cannot express. Throws a 400 naming the field. */
export function checkDefinition(input: DefinitionInput): void {
  for (const field of REQUIRED) {
    if ((input as Record<string, unknown>)[field] == null) throw invalid(field, 'is required');
  }
  const mode: AuthMode = input.authMode ?? 'oauth2';
  for (const [field, modes] of Object.entries(ONLY)) {
    if ((input as Record<string, unknown>)[field] != null && !modes.includes(mode)) {
      throw invalid(field, `applies only to authMode ${modes.join(' or ')}, not ${mode}`);
    }
  }
  if (mode === 'oauth2') {
    for (const field of OAUTH_REQUIRED) {
      if ((input as Record<string, unknown>)[field] == null) throw invalid(field, 'is required');
    }
    checkOAuth(input);
  }
  if (mode === 'basic' && !input.basic) throw invalid('basic', 'is required when authMode is basic');
  if (mode === 'two_step' && !input.tokenRequest) throw invalid('tokenRequest', 'is required when authMode is two_step');
  if (mode === 'api_key' && Object.keys(input.proxyHeaders ?? {}).length + Object.keys(input.proxyQuery ?? {}).length === 0) {
    throw invalid('proxyHeaders', 'is required when authMode is api_key (or proxyQuery): it places the key');
  }
  checkUrl('apiBaseUrl', input.apiBaseUrl, { query: false });
  checkUrl('documentationUrl', input.documentationUrl);
  checkHeaders('proxyHeaders', input.proxyHeaders ?? undefined);
  for (const name of Object.keys(input.proxyQuery ?? {})) {
    if (name === '') throw invalid('proxyQuery', 'must not have an empty parameter name');
  }
  if (input.tokenRequest) {
    checkUrl('tokenRequest/url', input.tokenRequest.url);
    checkHeaders('tokenRequest/headers', input.tokenRequest.headers);
    if (input.tokenRequest.method === 'GET' && input.tokenRequest.body) throw invalid('tokenRequest/body', 'cannot be sent with GET');
    if ((input.tokenRequest.bodyFormat ?? 'json') === 'form') {
      for (const [name, value] of Object.entries(input.tokenRequest.body ?? {})) {
        if (typeof value !== 'string') throw invalid(`tokenRequest/body/${name}`, 'must be a string when bodyFormat is form');
      }
    }
  }
  checkTokenPlacement(input, mode);
  const proxied = input.proxyMethods ?? DEFAULT_PROXY_METHODS;
  const beyond = (input.memberMethods ?? []).filter((m) => !proxied.includes(m));
  if (beyond.length > 0) throw invalid('memberMethods', `lists ${beyond.join(', ')}, which proxyMethods does not allow`);
  if (input.verify && !proxied.includes(input.verify.method)) throw invalid('verify/method', `is ${input.verify.method}, which proxyMethods does not allow`);
  checkTemplates(input);
}

function checkOAuth(input: DefinitionInput): void {
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
  if (input.extra?.auth?.headers && Object.keys(input.extra.auth.headers).length > 0) {
    // The authorization request is the browser's redirect to authUrl: it cannot carry headers.
    throw invalid('extra/auth/headers', 'cannot be sent: the authorization request is a browser redirect (use extra/auth/params)');
  }
  if (!code && input.extra?.auth) throw invalid('extra/auth', 'applies only to grantType authorization_code');
  for (const field of ['authUrl', 'tokenUrl', 'refreshUrl', 'revocationUrl'] as const) checkChosenHost(input, field);
  // A client-credentials token is the operator's client's, not the organization's: the API it is
  // sent to is chosen as strictly (a value the vendor's token response gives is the vendor's word).
  if (!code) checkChosenHost(input, 'apiBaseUrl');
  checkExtras('extra/auth', input.extra?.auth);
  checkExtras('extra/token', input.extra?.token);
  checkExtras('extra/refresh', input.extra?.refresh);
}

/**
 * The operator's client secret goes to the token, refresh and revocation URLs, and users are sent
 * to the authorization URL: an organization must not pick those hosts freely, or it could have the
 * secret sent to a server of its own (or its users to a look-alike sign-in page). A setting may
 * name the host only when it is an `enum` of hosts the operator listed; elsewhere in the URL (a
 * tenant in the path) any setting may appear.
 */
function checkChosenHost(input: DefinitionInput, field: 'authUrl' | 'tokenUrl' | 'refreshUrl' | 'revocationUrl' | 'apiBaseUrl'): void {
  const value = input[field];
  if (typeof value !== 'string') return;
  let found;
  try {
    found = placeholders(authorityOf(value));
  } catch (error) {
    if (error instanceof TemplateError) return; // checkTemplates names the malformed placeholder
    throw error;
  }
  const api = field === 'apiBaseUrl';
  for (const p of found) {
    const setting = input.connectionConfig?.find((c) => c.name === p.name);
    if (api && p.source === 'connectionConfig' && !setting && Object.hasOwn(input.tokenResponse?.config ?? {}, p.name)) continue;
    if (p.source === 'credentials' || !setting?.enum) {
      throw invalid(
        field,
        `puts \${${p.source}.${p.name}} in the host, where ${api ? "the operator's client-credentials token" : 'the client secret'} goes: only a connectionConfig field with an enum of hosts may choose it`,
      );
    }
  }
}

/** The authority (RFC 3986 §3.2) of a URL template; a placeholder opening it is a whole URL. */
function authorityOf(template: string): string {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(template)?.[1] ?? template.split('/')[0]!;
}

/**
 * The connectionConfig fields that choose a host the connection's credentials or token are sent
 * to: those named in the authority of any of the definition's URL templates.
 */
export function hostSettings(d: ConnectorDefinition): Set<string> {
  const names = new Set<string>();
  for (const template of [d.apiBaseUrl, d.tokenRequest?.url, d.tokenUrl, d.refreshUrl, d.revocationUrl, d.authUrl]) {
    if (!template) continue;
    try {
      for (const p of placeholders(authorityOf(template))) if (p.source === 'connectionConfig') names.add(p.name);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
    }
  }
  return names;
}

function checkTokenPlacement(input: DefinitionInput, mode: AuthMode): void {
  if (mode !== 'oauth2' && mode !== 'two_step') return;
  const placement = input.tokenPlacement ?? 'header';
  if (typeof input.tokenParam === 'string') {
    if (placement === 'header' && !FIELD_NAME.test(input.tokenParam)) throw invalid('tokenParam', 'must be a header name when tokenPlacement is header');
    if (placement === 'header' && SET_BY_GATEHOUSE.has(input.tokenParam.toLowerCase())) throw invalid('tokenParam', 'cannot be a header Gatehouse sets itself');
  }
  if (placement === 'query' && input.headerPrefix) throw invalid('headerPrefix', 'applies only to tokenPlacement header');
  const tokenParam = input.tokenParam ?? (placement === 'query' ? 'access_token' : 'Authorization');
  const placed = placement === 'header' ? Object.keys(input.proxyHeaders ?? {}) : Object.keys(input.proxyQuery ?? {});
  if (placed.some((name) => name.toLowerCase() === tokenParam.toLowerCase())) {
    throw invalid(placement === 'header' ? 'proxyHeaders' : 'proxyQuery', `names ${tokenParam}, where the access token goes`);
  }
}

// Every placeholder names a declared field: a connectionConfig entry (or a value lifted from the
// token response) or a credential.
function checkTemplates(input: DefinitionInput): void {
  const config = checkFieldNames('connectionConfig', input.connectionConfig);
  const credentials = checkFieldNames('credentials', input.credentials);
  checkConfigFields(input.connectionConfig ?? []);
  const lifted = Object.keys(input.tokenResponse?.config ?? {});
  // A value the vendor's answer gives is never checked against a setting's rules (enum, pattern,
  // format), so it cannot stand in for one: a setting chosen from an enum of hosts, say.
  for (const name of lifted) {
    if (config.has(name))
      throw invalid(`tokenResponse/config/${name}`, 'is also a connectionConfig field: name the value lifted from the token response differently');
  }
  const declared: Record<TemplateSource, Set<string>> = { connectionConfig: new Set([...config, ...lifted]), credentials };
  for (const [field, template] of templateFields(input)) {
    let found;
    try {
      found = placeholders(template);
    } catch (error) {
      if (error instanceof TemplateError) throw invalid(field, error.message);
      throw error;
    }
    for (const p of found) {
      if (!declared[p.source].has(p.name)) throw invalid(field, `uses \${${p.source}.${p.name}}, but ${p.source} declares no "${p.name}"`);
      // A value lifted from the token response exists only once the token exchange ran.
      if (p.source === 'connectionConfig' && !config.has(p.name) && isExchangeField(field)) {
        throw invalid(field, `uses \${connectionConfig.${p.name}}, which is known only after the token exchange`);
      }
    }
  }
}

const isExchangeField = (field: string) => /^(authUrl|tokenUrl|refreshUrl|tokenRequest|extra\/(auth|token))\b/.test(field);

/** The OAuth client of an oauth2 definition (checkDefinition made sure it has one). */
export function oauthClient(d: ConnectorDefinition): { clientId: string; tokenUrl: string; refreshUrl: string } {
  if (d.authMode !== 'oauth2' || d.clientId === null || d.tokenUrl === null) throw new Error(`connector "${d.name}" is not an OAuth 2.0 connector`);
  return { clientId: d.clientId, tokenUrl: d.tokenUrl, refreshUrl: d.refreshUrl ?? d.tokenUrl };
}

/** The definition with every default applied. */
export function normalize(input: DefinitionInput): ConnectorDefinition {
  const authMode: AuthMode = input.authMode ?? 'oauth2';
  const oauth = authMode === 'oauth2';
  const grantType = oauth ? (input.grantType as GrantType) : null;
  const tokenPlacement = input.tokenPlacement ?? 'header';
  const extras = (e: Partial<RequestExtras> | undefined): RequestExtras => ({ headers: { ...e?.headers }, params: { ...e?.params } });
  const mapping = input.tokenResponse ?? {};
  const tokenRequest = input.tokenRequest
    ? {
        method: input.tokenRequest.method,
        url: input.tokenRequest.url,
        headers: { ...input.tokenRequest.headers },
        body: input.tokenRequest.body ?? null,
        bodyFormat: input.tokenRequest.bodyFormat ?? 'json',
      }
    : null;
  return {
    name: input.name as string,
    authMode,
    grantType,
    authUrl: input.authUrl ?? null,
    issuer: input.issuer ?? null,
    tokenUrl: input.tokenUrl ?? null,
    refreshUrl: input.refreshUrl ?? input.tokenUrl ?? null,
    revocationUrl: input.revocationUrl ?? null,
    clientId: input.clientId ?? null,
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
      // Never a declared setting (checkDefinition refuses one; a definition stored before that rule
      // keeps the setting as the organization gave it).
      config: Object.fromEntries(Object.entries(mapping.config ?? {}).filter(([name]) => !(input.connectionConfig ?? []).some((f) => f.name === name))),
    },
    connectionConfig: input.connectionConfig ?? [],
    // Every credential is stored sealed; `secret` (default true) says whether a form masks it.
    credentials: (input.credentials ?? []).map((c) => ({ ...c, secret: c.secret ?? true })),
    basic: input.basic ?? null,
    proxyHeaders: { ...input.proxyHeaders },
    proxyQuery: { ...input.proxyQuery },
    tokenRequest,
    verify: input.verify ?? null,
    rateLimit: input.rateLimit ?? null,
    documentationUrl: input.documentationUrl ?? null,
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
