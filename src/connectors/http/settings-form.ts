// The form a person connects with: one input per connectionConfig field and credential of the
// connector, rendered the same way on the dashboard and on the connect page. Fields are named
// `config.NAME` and `credentials.NAME`; the browser's checks (required, pattern, number) only
// help, since the server checks every value again (settings.ts). Secret credentials are password
// inputs and are never written back into a page, not even after a refused attempt.
import { errors } from '../../errors.ts';
import { html, type Markup } from '../../ui/layout.ts';
import type { ConfigField } from '../config-fields.ts';
import type { ConnectorDefinition } from '../definition.ts';
import type { SettingsInput } from '../settings.ts';

type Value = string | number | boolean;

export interface FormState {
  /** Config values to fill in: the ones just entered, or the connection's current ones. */
  config?: Record<string, Value>;
  /** Non-secret credentials just entered (secret ones are never shown again). */
  credentials?: Record<string, string>;
  /** What the server refused, and the field it names (`config.NAME` or `credentials.NAME`). */
  problem?: { message: string; field: string | undefined };
  /** The connection exists: credentials left blank are kept. */
  existing?: boolean;
}

/** The form's fields as posted: `config.NAME` and `credentials.NAME`, plus the page's own. */
export const settingsFormBody = {
  type: 'object',
  required: ['csrf'],
  maxProperties: 80,
  properties: { csrf: { type: 'string', maxLength: 100 }, link: { type: 'string', maxLength: 200 } },
  additionalProperties: { type: 'string', maxLength: 4000 },
} as const;

/** Whether connecting needs the form first (settings to ask for, or a connector without OAuth). */
export function needsForm(d: ConnectorDefinition): boolean {
  return d.authMode !== 'oauth2' || (d.grantType === 'authorization_code' && d.connectionConfig.length > 0);
}

/** The field a refusal names (`body/config/site is required` names config.site), if any. */
export function problemField(message: string): string | undefined {
  const m = /^body\/(config|credentials)\/([A-Za-z0-9_]+)/.exec(message);
  return m ? `${m[1]}.${m[2]}` : undefined;
}

/**
 * The settings as the form posted them. A checkbox is absent when unticked, so a boolean field is
 * false unless posted as "true"; on an existing connection, credentials left blank are kept.
 */
export function formSettings(d: ConnectorDefinition, body: Record<string, string | undefined>, existing: boolean): SettingsInput {
  const config: Record<string, unknown> = {};
  const credentials: Record<string, string> = {};
  const booleans = new Set(d.connectionConfig.filter((f) => f.type === 'boolean').map((f) => f.name));
  for (const [key, value] of Object.entries(body)) {
    if (key === 'csrf' || key === 'link' || value === undefined) continue;
    const dot = key.indexOf('.');
    const [kind, name] = dot < 0 ? [key, ''] : [key.slice(0, dot), key.slice(dot + 1)];
    if (kind === 'config') config[name] = booleans.has(name) ? value === 'true' : value;
    else if (kind === 'credentials') {
      if (value !== '') credentials[name] = value;
    } else throw errors.Invalid(`body/${key} is not an allowed field`);
  }
  for (const name of booleans) config[name] ??= false;
  const keep = existing && Object.keys(credentials).length === 0;
  return { config, ...(keep || (existing && d.credentials.length === 0) ? {} : { credentials }) };
}

/** The values of a connection's config worth showing again (declared fields only). */
export function shownConfig(d: ConnectorDefinition, config: Record<string, unknown>): Record<string, Value> {
  const declared = new Set(d.connectionConfig.map((f) => f.name));
  return Object.fromEntries(
    Object.entries(config).filter((e): e is [string, Value] => declared.has(e[0]) && ['string', 'number', 'boolean'].includes(typeof e[1])),
  );
}

// HTML's pattern attribute is anchored at both ends (HTML §4.10.5.3.8); a declared pattern is
// copied only when it is anchored itself, so the browser never refuses what the server accepts.
const anchored = (pattern: string) => pattern.startsWith('^') && pattern.endsWith('$') && !pattern.endsWith('\\$');

function configInput(f: ConfigField, id: string, value: Value | undefined, flags: Markup): Markup {
  const name = `config.${f.name}`;
  if (f.enum) {
    const chosen = value ?? f.default;
    return html`<select id="${id}" name="${name}"${chosen === undefined ? html` required` : ''}${flags}>${chosen === undefined ? html`<option value="">Choose…</option>` : ''}${f.enum.map(
      (option) => html`<option value="${option}"${String(option) === String(chosen) ? html` selected` : ''}>${option}</option>`,
    )}</select>`;
  }
  if (f.type === 'boolean') {
    return html`<input id="${id}" name="${name}" type="checkbox" value="true"${(value ?? f.default) === true ? html` checked` : ''}${flags}>`;
  }
  const shown = value ?? f.default;
  const required = f.default === undefined ? html` required` : '';
  if (f.type === 'number') return html`<input id="${id}" name="${name}" type="number" step="any" value="${shown}"${required}${flags}>`;
  const type = f.format === 'email' ? 'email' : f.format === 'uri' ? 'url' : 'text';
  const pattern = f.pattern !== undefined && anchored(f.pattern) ? html` pattern="${f.pattern}"` : '';
  return html`<input id="${id}" name="${name}" type="${type}" value="${shown}" maxlength="2000" autocomplete="off" spellcheck="false"${required}${pattern}${flags}>`;
}

/** The fields of the form (the caller wraps them in its <form> with the CSRF field and a button). */
export function settingsFields(d: ConnectorDefinition, prefix: string, state: FormState = {}): Markup {
  const problem = state.problem;
  const fieldId = (key: string) => `${prefix}-${key.replace('.', '-')}`;
  const row = (key: string, title: string, description: string | undefined, input: (flags: Markup) => Markup) => {
    const id = fieldId(key);
    const bad = problem?.field === key;
    const described = [description ? `${id}-help` : '', bad ? `${prefix}-problem` : ''].filter(Boolean).join(' ');
    const flags = html`${bad ? html` class="invalid" aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}`;
    return html`<label for="${id}">${title}</label>${input(flags)}${description ? html`<small class="muted" id="${id}-help">${description}</small>` : ''}`;
  };
  const config = d.connectionConfig.map((f) =>
    row(`config.${f.name}`, f.title, f.description, (flags) => configInput(f, fieldId(`config.${f.name}`), state.config?.[f.name], flags)),
  );
  const credentials = d.credentials.map((c) => {
    const keepHint = state.existing ? 'Leave every credential blank to keep the ones stored.' : undefined;
    const description = [c.description, keepHint].filter(Boolean).join(' ') || undefined;
    return row(`credentials.${c.name}`, c.title, description, (flags) => {
      const required = state.existing ? '' : html` required`;
      const name = `credentials.${c.name}`;
      const id = fieldId(name);
      // Secret values are never put back into a page; a non-secret one just typed is.
      if (c.secret) return html`<input id="${id}" name="${name}" type="password" autocomplete="new-password" maxlength="4000"${required}${flags}>`;
      return html`<input id="${id}" name="${name}" type="text" value="${state.credentials?.[c.name]}" autocomplete="off" spellcheck="false" maxlength="4000"${required}${flags}>`;
    });
  });
  const notice = problem ? html`<p class="error" id="${prefix}-problem" role="alert">${problem.message}</p>` : '';
  return html`${notice}${config}${credentials}`;
}
