// The console's connector form: every field of a definition (src/connectors/definition.ts), as the
// admin API takes it, in a page a person can fill. Inputs are named by the definition's fields, so
// a refusal naming `body/tokenUrl` marks the Token URL input. Lists are space-separated text,
// nested objects JSON; the client secret is a password input that is never filled in again.
// Creating sends the fields filled in; editing sends what changed (PATCH semantics), an emptied
// field as null (its default again), and a blank secret not at all (the stored one stays).
import { isDeepStrictEqual } from 'node:util';
import { definitionProperties, type ConnectorDefinition, type DefinitionInput } from '../connectors/definition.ts';
import { AppError } from '../errors.ts';
import { html, type Markup } from '../ui/layout.ts';
import { problemBanner, type Problem } from './view.ts';

type Key = keyof typeof definitionProperties;
type Kind = 'text' | 'secret' | 'select' | 'boolean' | 'integer' | 'list' | 'json';

interface Field {
  key: Key;
  label: string;
  kind: Kind;
  options?: readonly string[];
  help?: string;
}

const f = (key: Key, label: string, kind: Kind, help?: string, options?: readonly string[]): Field => ({ key, label, kind, help, options });
const enumOf = (key: Key) => (definitionProperties[key] as { enum: readonly string[] }).enum;

/** The fields by group, in the order the form shows them. */
const GROUPS: { legend: string; fields: Field[] }[] = [
  {
    legend: 'Connector',
    fields: [
      f('name', 'Name', 'text'),
      f('authMode', 'Auth mode', 'select', 'How the proxy authenticates to the vendor (default oauth2).', enumOf('authMode')),
      f('apiBaseUrl', 'API base URL', 'text', 'May name connection settings, e.g. https://${connectionConfig.region}.example.com/api.'),
      f('documentationUrl', 'Documentation URL', 'text'),
    ],
  },
  {
    legend: 'OAuth 2.0 (auth mode oauth2)',
    fields: [
      f('grantType', 'Grant type', 'select', undefined, enumOf('grantType')),
      f('authUrl', 'Authorization URL', 'text', 'authorization_code only.'),
      f('tokenUrl', 'Token URL', 'text'),
      f('refreshUrl', 'Refresh URL', 'text', 'Empty: the token URL.'),
      f('revocationUrl', 'Revocation URL', 'text', 'RFC 7009; tokens are revoked there when a connection is deleted.'),
      f('issuer', 'Issuer', 'text', 'When set, callbacks must carry it as iss (RFC 9207).'),
      f('clientId', 'Client ID', 'text'),
      f('clientSecret', 'Client secret', 'secret'),
      f('scopes', 'Scopes', 'list', 'Space-separated.'),
      f('scopeSeparator', 'Scope separator', 'select', 'Default space.', ['space', 'comma', 'plus']),
      f('clientAuthentication', 'Client authentication', 'select', 'Default basic (RFC 6749 §2.3.1).', enumOf('clientAuthentication')),
      f('pkce', 'PKCE', 'boolean', 'Default yes with authorization_code (RFC 9700 §2.1.1).'),
      f('bodyFormat', 'Token request body', 'select', 'Default form.', enumOf('bodyFormat')),
      f('extra', 'Extra headers and parameters', 'json', '{"auth": {"params": {}}, "token": {"headers": {}, "params": {}}, "refresh": {...}}'),
    ],
  },
  {
    legend: 'The token (auth modes oauth2 and two_step)',
    fields: [
      f('tokenPlacement', 'Token placement', 'select', 'Default header.', enumOf('tokenPlacement')),
      f('tokenParam', 'Token header or parameter', 'text', 'Default Authorization (header) or access_token (query).'),
      f('headerPrefix', 'Header prefix', 'text', 'Default Bearer.'),
      f('refreshMarginSeconds', 'Refresh margin (seconds)', 'integer', 'Refresh this long before expiry; default 300.'),
      f('tokenResponse', 'Token response mapping', 'json', 'Dotted paths, e.g. {"accessToken": "data.token", "expiresIn": "data.ttl"}.'),
      f('tokenRequest', 'Token request (two_step)', 'json', '{"method": "POST", "url": "https://…", "headers": {}, "body": {}, "bodyFormat": "json"}'),
    ],
  },
  {
    legend: 'What each organization enters when it connects',
    fields: [
      f('connectionConfig', 'Connection settings', 'json', '[{"name": "region", "title": "Region", "type": "string", "enum": ["eu", "us"]}]'),
      f('credentials', 'Credentials (api_key, basic, two_step)', 'json', '[{"name": "apiKey", "title": "API key", "secret": true}]'),
      f('basic', 'HTTP Basic (basic)', 'json', '{"username": "${credentials.apiKey}", "password": "${credentials.apiSecret}"}'),
      f('proxyHeaders', 'Headers on every call', 'json', '{"X-Api-Key": "${credentials.apiKey}"}'),
      f('proxyQuery', 'Query parameters on every call', 'json', '{"key": "${credentials.apiKey}"}'),
    ],
  },
  {
    legend: 'The proxy',
    fields: [
      f('proxyMethods', 'Methods forwarded', 'list', 'Default GET POST PUT PATCH DELETE.'),
      f('memberMethods', 'Methods a member (not an admin) may use', 'list', 'Default GET HEAD OPTIONS.'),
      f('timeoutMs', 'Timeout (milliseconds)', 'integer', 'Default 30000.'),
      f('verify', 'Verify call', 'json', 'Proves new credentials: {"method": "GET", "path": "/v1/me"}'),
      f('rateLimit', 'Rate limit', 'json', '{"requests": 60, "perSeconds": 60}'),
    ],
  },
];

const FIELDS = GROUPS.flatMap((g) => g.fields);
const LABELS = new Map<string, string>(FIELDS.map((x) => [x.key, x.label]));

/** The form's body as posted: the CSRF field and one string per definition field. */
export const connectorFormBody = {
  type: 'object',
  additionalProperties: false,
  required: ['csrf'],
  properties: {
    csrf: { type: 'string', maxLength: 100 },
    ...Object.fromEntries(FIELDS.map((x) => [x.key, { type: 'string', maxLength: x.kind === 'json' ? 50_000 : 4000 }])),
  },
} as const;
export type ConnectorForm = { csrf: string } & Partial<Record<Key, string>>;

/** A problem found in the form itself (a number or JSON that does not parse), before the service saw it. */
class FormProblem extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.message);
    this.problem = problem;
  }
}

/**
 * What went wrong, in words beside its field: the admin API names fields as `body/FIELD[/more]
 * why` (src/errors.ts validationDetail, definition.ts's checks); anything else is shown as said.
 */
export function connectorProblem(error: unknown): Problem {
  if (error instanceof FormProblem) return error.problem;
  if (!(error instanceof AppError) || error.status >= 500) throw error;
  const match = /^body\/([A-Za-z]+)((?:\/[^\s]+)?) (.*)$/s.exec(error.message);
  const label = match && LABELS.get(match[1]!);
  if (match && label) {
    const where = match[2] ? ` (${match[2].slice(1)})` : '';
    return { status: error.status, field: match[1], message: `${label}${where}: ${match[3]}` };
  }
  return { status: error.status, message: error.message.replace(/^body\//, '').replace(/^./, (c) => c.toUpperCase()) };
}

/** One field's value as the definition takes it; undefined when left empty. */
function parse(field: Field, raw: string | undefined): unknown {
  const text = field.kind === 'secret' ? (raw ?? '') : (raw ?? '').trim();
  if (text === '') return undefined;
  const refuse = (why: string) => new FormProblem({ status: 400, field: field.key, message: `${field.label}: ${why}` });
  switch (field.kind) {
    case 'boolean':
      return text === 'true';
    case 'integer':
      if (!/^\d{1,15}$/.test(text)) throw refuse('a whole number, or empty for the default.');
      return Number(text);
    case 'list':
      return text.split(/[\s,]+/).filter(Boolean);
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw refuse(`not valid JSON (${(error as Error).message}).`);
      }
    default:
      return text;
  }
}

/** The definition the form describes: the fields filled in. */
export function definitionOf(form: ConnectorForm): DefinitionInput {
  const out: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = parse(field, form[field.key]);
    if (value !== undefined) out[field.key] = value;
  }
  return out as DefinitionInput;
}

const empty = (v: unknown): boolean =>
  v === null || v === undefined || v === '' || (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.values(v).every(empty));

/**
 * The PATCH the form describes against the stored definition: the fields whose value changed, an
 * emptied one as null (its default again), the secret only when a new one was typed. A choice
 * that is set offers no "(default)" (the admin API takes no null for a choice), so it changes
 * only to another value.
 */
export function patchOf(form: ConnectorForm, current: ConnectorDefinition): DefinitionInput {
  const out: Record<string, unknown> = {};
  for (const field of FIELDS) {
    // A field the form did not send is not part of the change.
    if (form[field.key] === undefined) continue;
    const value = parse(field, form[field.key]);
    if (field.kind === 'secret') {
      if (value !== undefined) out[field.key] = value;
      continue;
    }
    const stored = (current as Record<string, unknown>)[field.key];
    if (value === undefined) {
      if (!empty(stored)) out[field.key] = null;
    } else if (!isDeepStrictEqual(value, stored)) {
      out[field.key] = value;
    }
  }
  return out as DefinitionInput;
}

/** The stored definition as the form's text, to edit it (never the secret). */
export function formOf(d: ConnectorDefinition): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of FIELDS) {
    const value = (d as Record<string, unknown>)[field.key];
    if (field.kind === 'secret' || empty(value)) continue;
    if (field.kind === 'list') out[field.key] = (value as string[]).join(' ');
    else if (field.kind === 'json') out[field.key] = JSON.stringify(value, null, 2);
    else out[field.key] = String(value);
  }
  return out;
}

/** Only what may be shown again of a refused form: everything but the secret. */
export function echo(form: ConnectorForm): Record<string, string> {
  const { csrf: _csrf, clientSecret: _secret, ...rest } = form;
  return rest as Record<string, string>;
}

function input(field: Field, value: string, problem: Problem | undefined, keepSecret: boolean, example: string): Markup {
  // A refused field is marked and described by the message as well as by its help; data-example
  // is a valid entry for it, which the form-discovery test types as a person would.
  const bad = problem?.field === field.key;
  const flags = html`${bad ? html` class="field-error" aria-invalid="true"` : ''} data-example="${example}"`;
  const described = [bad ? 'problem' : '', field.help ? `${field.key}-help` : ''].filter(Boolean).join(' ');
  const help = described ? html` aria-describedby="${described}"` : html``;
  switch (field.kind) {
    case 'secret':
      return html`<input id="${field.key}" name="${field.key}" type="password" autocomplete="new-password" maxlength="4000"${
        keepSecret ? html` placeholder="Leave blank to keep the stored secret"` : ''
      }${help}${flags}>`;
    case 'select':
    case 'boolean': {
      const options = field.kind === 'boolean' ? ['true', 'false'] : field.options!;
      const name = (o: string) => (field.kind === 'boolean' ? (o === 'true' ? 'yes' : 'no') : o);
      return html`<select id="${field.key}" name="${field.key}"${help}${flags}>${value === '' ? html`<option value="">(default)</option>` : ''}${options.map(
        (o) => html`<option value="${o}"${o === value ? ' selected' : ''}>${name(o)}</option>`,
      )}</select>`;
    }
    case 'json':
      return html`<textarea id="${field.key}" name="${field.key}" rows="${value.split('\n').length > 3 ? 8 : 3}" spellcheck="false" style="width:100%;font-family:monospace"${help}${flags}>${value}</textarea>`;
    default:
      return html`<input id="${field.key}" name="${field.key}" type="text" value="${value}" spellcheck="false"${
        field.kind === 'integer' ? html` inputmode="numeric"` : ''
      }${field.key === 'name' ? html` required maxlength="200"` : ''}${help}${flags}>`;
  }
}

// A definition the new form's fields add up to, as examples: an OAuth client-credentials connector.
const EXAMPLE: Partial<Record<Key, string>> = {
  name: 'Example connector',
  authMode: 'oauth2',
  apiBaseUrl: 'https://api.example.com',
  grantType: 'client_credentials',
  tokenUrl: 'https://login.example.com/oauth/token',
  clientId: 'example-client',
  clientSecret: 'example-client-secret',
  scopes: 'read',
};

/**
 * Every field, grouped, filled with `values` (the form's text); the caller wraps it in its <form>.
 * `current`: the stored definition's text when editing (what an unchanged field holds).
 */
export function connectorFields(values: Record<string, string>, problem: Problem | undefined, current?: Record<string, string>): Markup {
  const editing = current !== undefined;
  return html`${problemBanner(problem)}${GROUPS.map(
    (g) =>
      html`<fieldset><legend>${g.legend}</legend>${g.fields.map(
        (x) =>
          html`<label for="${x.key}">${x.label}</label>${input(x, values[x.key] ?? '', problem, editing, (current ?? EXAMPLE)[x.key] ?? '')}${
            x.help ? html`<small class="muted" id="${x.key}-help">${x.help}</small>` : ''
          }`,
      )}</fieldset>`,
  )}`;
}
