// What the console's webhook pages share: the subscription form (URL, events, static header),
// read into what the Subscriptions service takes or the field it got wrong, a subscription's
// health in words, and finding a subscription of an organization (a 404 page otherwise).
import type { FastifyRequest } from 'fastify';
import type { FromSchema } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { html, when, type Markup } from '../ui/layout.ts';
import { EVENT_TYPE_NAMES } from '../webhooks/http/schemas.ts';
import type { Subscription } from '../webhooks/subscriptions.ts';
import { HEADER_NAME_MAX, HEADER_VALUE_MAX, URL_MAX } from '../webhooks/validate.ts';
import { csrf, idParams, invalid, type Problem } from './view.ts';

export const FIELDS = ['webhook_url', 'event_types', 'auth_header', 'auth_header_value'];
const text = (max: number) => ({ type: 'string', maxLength: max }) as const;

export const hookForm = {
  type: 'object',
  additionalProperties: false,
  required: ['csrf'],
  properties: {
    csrf,
    // Longer than the services take, so that too long a value is named on the form, not refused whole.
    webhook_url: text(URL_MAX * 4),
    event_types: {
      anyOf: [
        { type: 'string', maxLength: 100 },
        { type: 'array', maxItems: EVENT_TYPE_NAMES.length * 2, items: { type: 'string', maxLength: 100 } },
      ],
    },
    auth_header: text(HEADER_NAME_MAX * 4),
    auth_header_value: text(HEADER_VALUE_MAX * 2),
  },
} as const;
export type HookForm = FromSchema<typeof hookForm>;

export const hookParams = {
  type: 'object',
  required: ['id', 'subscriptionId'],
  properties: { ...idParams.properties, subscriptionId: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

/** What the form says, as the Subscriptions service takes it, or the field it got wrong. */
export interface HookInput {
  url: string;
  eventTypes: string[];
  /** null: no static header. */
  authHeader: string | null;
  /** undefined: keep the value stored (when editing). */
  authHeaderValue: string | undefined;
}

export const typesOf = (form: HookForm) => (form.event_types === undefined ? [] : Array.isArray(form.event_types) ? form.event_types : [form.event_types]);

export function readForm(form: HookForm): HookInput | Problem {
  const wrong = (field: string, message: string): Problem => ({ status: 400, field, message });
  const url = (form.webhook_url ?? '').trim();
  if (!url) return wrong('webhook_url', 'Webhook URL: enter the https URL that receives the events.');
  if (url.length > URL_MAX) return wrong('webhook_url', `Webhook URL: at most ${URL_MAX} characters.`);
  const eventTypes = typesOf(form);
  if (eventTypes.length === 0) return wrong('event_types', 'Events: choose at least one event type.');
  const unknown = eventTypes.find((t) => !EVENT_TYPE_NAMES.includes(t));
  if (unknown !== undefined) return wrong('event_types', `Events: "${unknown}" is not an event type.`);
  const name = (form.auth_header ?? '').trim();
  const value = form.auth_header_value ?? '';
  if (name.length > HEADER_NAME_MAX) return wrong('auth_header', `Auth header: at most ${HEADER_NAME_MAX} characters.`);
  if (value.length > HEADER_VALUE_MAX) return wrong('auth_header_value', `Auth header value: at most ${HEADER_VALUE_MAX} characters.`);
  if (!name && value) return wrong('auth_header', 'Auth header: name the header this value is sent in (or leave both empty).');
  return { url, eventTypes, authHeader: name || null, authHeaderValue: value || undefined };
}

export const isProblem = (value: HookInput | Problem): value is Problem => 'message' in value;

/** A subscription's health in words: enabled, failing since when, or disabled and why. */
export function health(s: Subscription): Markup {
  if (s.status === 'disabled') return html`<strong class="error">disabled</strong>${s.disabled_reason ? html`: ${s.disabled_reason}` : ''}`;
  if (s.failing_since) return html`<strong class="error">failing</strong> since ${when(s.failing_since)}`;
  return html`<span class="ok">enabled</span>`;
}

/** The URL, event and header fields, filled with `values`; the header value is never shown. */
export function hookFields(
  values: { url?: string; eventTypes?: string[]; authHeader?: string | null },
  problem: Problem | undefined,
  editing: boolean,
): Markup {
  const chosen = new Set(values.eventTypes ?? []);
  return html`<label for="webhook_url">Webhook URL</label><input id="webhook_url" name="webhook_url" type="text" inputmode="url" required maxlength="${URL_MAX}" value="${values.url ?? ''}"${invalid(problem, 'webhook_url')}>
<fieldset style="display:flex;flex-wrap:wrap;gap:.25rem 1.25rem"${invalid(problem, 'event_types')}><legend>Events</legend>${EVENT_TYPE_NAMES.map(
    (t) => html`<label><input type="checkbox" name="event_types" value="${t}"${chosen.has(t) ? ' checked' : ''}> ${t}</label> `,
  )}</fieldset>
<label for="auth_header">Static header name (empty: no header)</label><input id="auth_header" name="auth_header" type="text" value="${values.authHeader ?? ''}"${invalid(problem, 'auth_header')}>
<label for="auth_header_value">Header value${editing ? ' (empty: keep the stored value)' : ''}</label><input id="auth_header_value" name="auth_header_value" type="password" autocomplete="off"${invalid(problem, 'auth_header_value')}>`;
}

/** The organization and its subscription, or a 404 (another organization's counts as none). */
export async function subscriptionOf({ organizations, webhooks }: Services, organizationId: string, subscriptionId: string) {
  const organization = await organizations.get(organizationId);
  return { organization, subscription: await webhooks.subscriptions.get(organization.id, subscriptionId) };
}

/** Audits a change made from a webhook page, with the operator as actor. */
export type Recorder = (request: FastifyRequest, action: string, organizationId: string, details: Record<string, unknown>) => void;
