// A connection's own settings: `config` (the connector's connectionConfig fields: a site, a zone,
// a tenant) and `credentials` (its secrets), checked when the connection is made or changed, and
// the connector's definition with its placeholders filled from them. A placeholder left without
// a value, or a filled URL that is no longer a URL, is a 400 naming the field: no request leaves
// with a literal `${` in it.
import { errors } from '../errors.ts';
import type { Connector } from './connectors.ts';
import { checkConfigValue } from './config-fields.ts';
import { checkFilledUrl, type ConnectorDefinition, type RequestExtras } from './definition.ts';
import { fill, TemplateError, type Placeholder, type TemplateValues } from './templates.ts';

type Config = Record<string, string | number | boolean>;

export interface Settings {
  config: Config;
  credentials: Record<string, string>;
}

export interface SettingsInput {
  config?: Record<string, unknown>;
  credentials?: Record<string, unknown>;
}

// RFC 9110 §5.5: no CR, LF or NUL in a field value, and a credential usually ends up in one.
const CONTROL = /[\0\r\n]/;
const CREDENTIAL_MAX = 4000;

/** A value given as text (a CLI flag, a form field) for a number or boolean field. */
function coerce(type: 'string' | 'number' | 'boolean', value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (type === 'number' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/**
 * The settings a connection is made with: every connectionConfig field (its default when not
 * given) and every credential (values lifted from the vendor's token response are not settings).
 * Throws a 400 naming the field.
 */
export function checkSettings(definition: ConnectorDefinition, input: SettingsInput, field = 'body'): Settings {
  const declared = new Map(definition.connectionConfig.map((f) => [f.name, f]));
  const config: Config = {};
  for (const name of Object.keys(input.config ?? {})) {
    if (!declared.has(name)) throw errors.Invalid(`${field}/config/${name} is not a setting of this connector${known(declared.keys())}`);
  }
  for (const f of definition.connectionConfig) {
    const given = input.config?.[f.name];
    const value = given === undefined || given === null || given === '' ? f.default : coerce(f.type, given);
    if (value === undefined) throw errors.Invalid(`${field}/config/${f.name} is required (${f.title})`);
    const problem = checkConfigValue(f, value);
    if (problem) throw errors.Invalid(`${field}/config/${f.name} ${problem}`);
    config[f.name] = value as string | number | boolean;
  }
  const names = new Set(definition.credentials.map((c) => c.name));
  for (const name of Object.keys(input.credentials ?? {})) {
    if (!names.has(name)) throw errors.Invalid(`${field}/credentials/${name} is not a credential of this connector${known(names)}`);
  }
  const credentials: Record<string, string> = {};
  for (const c of definition.credentials) {
    const value = input.credentials?.[c.name];
    // The value is never quoted back: it is a secret.
    if (value === undefined || value === null || value === '') throw errors.Invalid(`${field}/credentials/${c.name} is required (${c.title})`);
    if (typeof value !== 'string') throw errors.Invalid(`${field}/credentials/${c.name} must be a string`);
    if (value.length > CREDENTIAL_MAX) throw errors.Invalid(`${field}/credentials/${c.name} must be at most ${CREDENTIAL_MAX} characters`);
    if (CONTROL.test(value)) throw errors.Invalid(`${field}/credentials/${c.name} must not contain line breaks`);
    credentials[c.name] = value;
  }
  return { config, credentials };
}

function known(names: Iterable<string>): string {
  const list = [...names];
  return list.length === 0 ? ' (it has none)' : ` (it has ${list.join(', ')})`;
}

/** Every secret value a resolved definition may carry, for redaction. */
export function secretsOf(settings: Settings): string[] {
  return Object.values(settings.credentials).filter((v) => v.length >= 4);
}

/**
 * One value inside a URL, percent-encoded (RFC 3986 §2.1). encodeURIComponent leaves "." and ".."
 * as they are, and a URL parser removes such dot segments (RFC 3986 §5.2.4; WHATWG URL does so
 * for "%2e" too), so a value of its own could climb out of the path prefix it was put in: refused.
 */
function component(value: string, p: Placeholder): string {
  if (value === '.' || value === '..') {
    throw errors.Invalid(
      `body/${p.source === 'credentials' ? 'credentials' : 'config'}/${p.name} must not be "${value}": it is filled into a URL, where it would be a dot segment`,
    );
  }
  return encodeURIComponent(value);
}

class Filler {
  readonly #values: TemplateValues;
  constructor(settings: Settings) {
    this.#values = { connectionConfig: Object.fromEntries(Object.entries(settings.config).map(([k, v]) => [k, String(v)])), credentials: settings.credentials };
  }

  text(field: string, template: string, encode?: (value: string, placeholder: Placeholder) => string): string {
    try {
      return fill(template, this.#values, encode);
    } catch (error) {
      if (error instanceof TemplateError) throw errors.Invalid(`connector field ${field} ${error.message}: set it on the connection`);
      throw error;
    }
  }

  header(field: string, template: string): string {
    const value = this.text(field, template);
    if (CONTROL.test(value)) throw errors.Invalid(`connector field ${field} must not contain line breaks once filled`);
    return value;
  }

  /**
   * A URL: a placeholder that opens it is a whole URL (an instance URL from the token response,
   * a `uri` setting); any other is one component, percent-encoded (RFC 3986 §2.1), so a value
   * cannot add a path, a query or a user to the URL, nor change its host by adding `/` or `@`.
   */
  url(field: string, template: string, options: { query?: boolean } = {}): string {
    let first = true;
    const filled = this.text(field, template, (value, p) => {
      const whole = first && template.startsWith('${');
      first = false;
      return whole ? value.replace(/\/+$/, '') : component(value, p);
    });
    checkFilledUrl(`connector field ${field} once filled`, filled, options);
    return filled;
  }

  map(field: string, values: Record<string, string>, kind: 'header' | 'text'): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, kind === 'header' ? this.header(`${field}/${k}`, v) : this.text(`${field}/${k}`, v)]));
  }

  extras(field: string, e: RequestExtras): RequestExtras {
    return { headers: this.map(`${field}/headers`, e.headers, 'header'), params: this.map(`${field}/params`, e.params, 'text') };
  }

  json(field: string, value: unknown): unknown {
    if (typeof value === 'string') return this.text(field, value);
    if (Array.isArray(value)) return value.map((v, i) => this.json(`${field}/${i}`, v));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.json(`${field}/${k}`, v)]));
    return value;
  }
}

/**
 * The connector as this connection sees it: every template filled. With `only: 'exchange'`, just
 * what the token exchange needs (values lifted from its answer cannot be known before it).
 */
export function resolve(connector: Connector, settings: Settings, only: 'all' | 'exchange' = 'all'): Connector {
  const d = connector.definition;
  const f = new Filler(settings);
  const all = only === 'all';
  const optionalUrl = (field: string, value: string | null, exchange: boolean) => (value === null || (!all && !exchange) ? value : f.url(field, value));
  const tokenRequest = d.tokenRequest && {
    ...d.tokenRequest,
    url: f.url('tokenRequest/url', d.tokenRequest.url),
    headers: f.map('tokenRequest/headers', d.tokenRequest.headers, 'header'),
    body: d.tokenRequest.body && (f.json('tokenRequest/body', d.tokenRequest.body) as Record<string, unknown>),
  };
  const definition: ConnectorDefinition = {
    ...d,
    authUrl: optionalUrl('authUrl', d.authUrl, true),
    tokenUrl: optionalUrl('tokenUrl', d.tokenUrl, true),
    refreshUrl: optionalUrl('refreshUrl', d.refreshUrl, true),
    revocationUrl: optionalUrl('revocationUrl', d.revocationUrl, false),
    extra: { auth: f.extras('extra/auth', d.extra.auth), token: f.extras('extra/token', d.extra.token), refresh: f.extras('extra/refresh', d.extra.refresh) },
    tokenRequest,
    ...(all
      ? {
          apiBaseUrl: f.url('apiBaseUrl', d.apiBaseUrl, { query: false }).replace(/\/+$/, ''),
          basic: d.basic && { username: f.header('basic/username', d.basic.username), password: f.header('basic/password', d.basic.password) },
          proxyHeaders: f.map('proxyHeaders', d.proxyHeaders, 'header'),
          proxyQuery: f.map('proxyQuery', d.proxyQuery, 'text'),
          verify: d.verify && { ...d.verify, path: f.text('verify/path', d.verify.path, component) },
        }
      : {}),
  };
  // RFC 7617 §2: the user-id cannot contain a colon (the first one ends it).
  if (all && definition.basic?.username.includes(':')) throw errors.Invalid('connector field basic/username must not contain ":" once filled');
  return { ...connector, definition };
}
