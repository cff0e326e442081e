// /console/audit: the audit log, newest first, filtered by action, actor, client, outcome and a
// time range (UTC), paged by keyset (`before` is the last id shown). Audit.list is the query the
// admin API's /audit-events runs; each filter reads through an index that ends in id, a time
// range through (at, id). Each event links to its subject: the client, vendor, organization,
// operator or the signing keys.
import { CONSOLE_PATH } from '../http/paths.ts';
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { html, when, type Markup } from '../ui/layout.ts';
import { connectionsPath, webhookPath } from './organization-links.ts';
import { consolePage, invalid, nextLink, problemBanner, type Problem } from './view.ts';

const BASE = `${CONSOLE_PATH}/audit`;
const PAGE = 100;
const text = (max: number) => ({ type: 'string', maxLength: max }) as const;
const query = {
  type: 'object',
  additionalProperties: false,
  properties: {
    action: text(100),
    actor: text(200),
    client_id: text(200),
    outcome: { type: 'string', enum: ['', 'success', 'failure'] },
    since: text(40),
    until: text(40),
    before: text(40),
  },
} as const;

// The form's datetime-local value (HTML §2.3.5.5 local date and time: no zone), read as UTC.
const LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

function instant(value: string | undefined, field: string): { iso?: string; problem?: Problem } {
  const v = value?.trim();
  if (!v) return {};
  const iso = LOCAL.test(v) ? `${v.length === 16 ? `${v}:00` : v}Z` : v;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(iso) || Number.isNaN(Date.parse(iso))) {
    return { problem: { status: 400, field, message: `${field === 'since' ? 'From' : 'To'}: "${v}" is not a date and time (use YYYY-MM-DD HH:MM, UTC).` } };
  }
  return { iso: new Date(iso).toISOString() };
}

/** Where an event's subject lives in the console, when it has a page there. */
function subject(event: { action: string; client_id: string | null; actor: string | null; details: Record<string, unknown> }): Markup {
  const links: Markup[] = [];
  const d = event.details;
  if (event.client_id) links.push(html`<a href="${CONSOLE_PATH}/clients/${event.client_id}">client ${event.client_id}</a>`);
  if (typeof d.organization_id === 'string' && typeof d.webhook_id === 'string')
    links.push(html`<a href="${webhookPath(d.organization_id, d.webhook_id)}">webhook ${d.webhook_id}</a>`);
  if (typeof d.organization_id === 'string' && typeof d.connection_id === 'string')
    links.push(html`<a href="${connectionsPath(d.organization_id)}">connection ${d.connection_id}</a>`);
  if (typeof d.vendor_id === 'string') links.push(html`<a href="${CONSOLE_PATH}/vendors/${d.vendor_id}">vendor ${d.vendor_id}</a>`);
  if (typeof d.operator_id === 'string') links.push(html`<a href="${CONSOLE_PATH}/operators">operator ${d.operator_id}</a>`);
  if (event.action.startsWith('key.')) links.push(html`<a href="${CONSOLE_PATH}/keys">signing keys</a>`);
  if (typeof d.organization_id === 'string')
    links.push(html`<a href="${CONSOLE_PATH}/organizations/${d.organization_id}">organization ${d.organization_id}</a>`);
  return links.length ? html`${links.map((l, i) => html`${i ? ', ' : ''}${l}`)}` : html`<span class="muted">-</span>`;
}

export function consoleAuditRoutes(app: App, services: Services) {
  const { audit } = services;
  app.get(BASE, { schema: { summary: 'Console: the audit log', querystring: query } }, async (request, reply) => {
    const q = request.query;
    const since = instant(q.since, 'since');
    const until = instant(q.until, 'until');
    let problem = since.problem ?? until.problem;
    const before = q.before?.trim();
    if (!problem && before && !/^[0-9]{1,18}$/.test(before))
      problem = { status: 400, message: 'That page link is not valid: start again from the first page.' };
    const events = problem
      ? []
      : await audit.list({
          action: q.action?.trim() || undefined,
          actor: q.actor?.trim() || undefined,
          client_id: q.client_id?.trim() || undefined,
          outcome: q.outcome || undefined,
          since: since.iso,
          until: until.iso,
          before_id: before || undefined,
          limit: PAGE + 1,
        });
    const shown = events.slice(0, PAGE);
    const field = (name: 'action' | 'actor' | 'client_id', label: string) =>
      html`<label>${label}<br><input name="${name}" type="text" value="${q[name] ?? ''}"${invalid(problem, name)}></label>`;
    const time = (name: 'since' | 'until', label: string) =>
      html`<label>${label}<br><input name="${name}" type="datetime-local" value="${(q[name] ?? '').slice(0, 16)}"${invalid(problem, name)}></label>`;
    return consolePage(
      services,
      request,
      reply,
      problem?.status ?? 200,
      'Audit log',
      html`<h1>Audit log</h1>${problemBanner(problem)}
<form class="filters" method="get" action="${BASE}" id="audit-filters">${field('action', 'Action')}${field('actor', 'Actor')}${field('client_id', 'Client id')}
<label>Outcome<br><select name="outcome"><option value="">any</option>${['success', 'failure'].map((o) => html`<option${q.outcome === o ? ' selected' : ''}>${o}</option>`)}</select></label>
${time('since', 'From (UTC)')}${time('until', 'To (UTC)')}<button type="submit">Filter</button> <a href="${BASE}">Clear</a></form>
<table id="events"><thead><tr><th>When</th><th>Action</th><th>Outcome</th><th>Actor</th><th>Subject</th><th>Address</th><th>Details</th></tr></thead><tbody>
${shown.map(
  (e) => html`<tr><td>${when(new Date(e.at))}</td><td><a href="${BASE}?action=${encodeURIComponent(e.action)}">${e.action}</a></td><td>${e.outcome}</td>
<td>${e.actor ? html`<a href="${BASE}?actor=${encodeURIComponent(e.actor)}">${e.actor}</a>` : html`<span class="muted">-</span>`}</td>
<td>${subject(e)}</td><td>${e.ip ?? ''}</td><td><code>${JSON.stringify(e.details)}</code></td></tr>`,
)}</tbody></table>${shown.length === 0 && !problem ? html`<p class="muted">No events match.</p>` : ''}
${nextLink(BASE, { action: q.action, actor: q.actor, client_id: q.client_id, outcome: q.outcome, since: q.since, until: q.until }, 'before', events.length > PAGE ? shown.at(-1)!.id : undefined)}`,
    );
  });
}
