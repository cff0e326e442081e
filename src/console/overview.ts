// GET /console: how much there is, and what needs attention now: webhook subscriptions that are
// failing or disabled, broken connections, refused tokens and failed sign-ins in the last hour,
// and signing keys due for rotation. Each count is one indexed query; each list is a few rows.
import type { PublicKeyInfo } from '../keys/keystore.ts';
import { CONSOLE_PATH } from '../http/paths.ts';
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { html, when, type Markup } from '../ui/layout.ts';
import { connectionsPath, organizationPath, webhookPath } from './organization-links.ts';
import { ORGANIZATIONS_PATH } from './organizations.ts';
import { consolePage } from './view.ts';

/** A current key older than this is shown as due for rotation. */
const KEY_ROTATION_DUE_DAYS = 90;
const FAILURE_ACTIONS = ['token.refused', 'login.failed', 'console.sign_in_failed', 'admin.auth_failed'] as const;
const ATTENTION_ROWS = 10;

/** Keys that want a rotation, each with why. */
export function keysDue(keys: PublicKeyInfo[], now = Date.now()): { kid: string; why: string }[] {
  const current = keys.find((k) => k.status === 'current');
  if (!current) return [{ kid: '-', why: 'there is no current signing key' }];
  const since = new Date(current.activated_at ?? current.created_at).getTime();
  const days = Math.floor((now - since) / 86_400_000);
  return days >= KEY_ROTATION_DUE_DAYS ? [{ kid: current.kid, why: `current for ${days} days (rotate every ${KEY_ROTATION_DUE_DAYS})` }] : [];
}

export function consoleOverviewRoute(app: App, services: Services) {
  const { organizations, vendors, clients, connectors, webhooks, audit, keystore } = services;
  app.get(CONSOLE_PATH, { schema: { summary: 'Console overview' } }, async (request, reply) => {
    const hourAgo = new Date(Date.now() - 3_600_000);
    const [orgCount, vendorCount, clientCount, activeConnections, brokenCount, hookCount, hooks, broken, failures] = await Promise.all([
      organizations.count(),
      vendors.count(),
      clients.count(),
      connectors.connections.countByStatus('active'),
      connectors.connections.countByStatus('broken'),
      webhooks.subscriptions.count(),
      webhooks.subscriptions.needingAttention(ATTENTION_ROWS),
      connectors.connections.list({ status: 'broken' }, ATTENTION_ROWS),
      audit.countSince([...FAILURE_ACTIONS], hourAgo),
    ]);
    const due = keysDue(keystore.list());
    const tile = (label: string, value: number, href?: string) =>
      html`<div class="tile"><div class="muted">${label}</div><div style="font-size:1.8rem">${href ? html`<a href="${href}">${value}</a>` : value}</div></div>`;
    const auditLink = (action: string) =>
      `${CONSOLE_PATH}/audit?action=${encodeURIComponent(action)}&since=${encodeURIComponent(hourAgo.toISOString().slice(0, 16))}`;
    const items: Markup[] = [
      ...hooks.map(
        (s) =>
          html`<li><a href="${webhookPath(s.organization_id, s.id)}">Webhook <code>${s.id}</code></a> of organization <a href="${organizationPath(s.organization_id)}"><code>${s.organization_id}</code></a> (${s.url}):
${s.status === 'disabled' ? html`<strong>disabled</strong>${s.disabled_reason ? html` (${s.disabled_reason})` : ''}` : html`failing since ${when(s.failing_since)}`}</li>`,
      ),
      ...broken.map(
        (c) =>
          html`<li><a href="${connectionsPath(c.organization_id)}">Connection <code>${c.id}</code></a> of organization <a href="${organizationPath(c.organization_id)}"><code>${c.organization_id}</code></a> is <strong>broken</strong> (since ${when(c.updated_at)})</li>`,
      ),
      ...FAILURE_ACTIONS.filter((a) => failures[a]! > 0).map(
        (a) => html`<li><a href="${auditLink(a)}">${failures[a]} ${a} event${failures[a] === 1 ? '' : 's'}</a> in the last hour</li>`,
      ),
      ...due.map((k) => html`<li>Signing key <code>${k.kid}</code>: ${k.why}. <a href="${CONSOLE_PATH}/keys">Rotate</a></li>`),
    ];
    return consolePage(
      services,
      request,
      reply,
      200,
      'Overview',
      html`<h1>Overview</h1>
<div class="tiles" id="counts">${tile('Organizations', orgCount, ORGANIZATIONS_PATH)}${tile('Vendors', vendorCount, `${CONSOLE_PATH}/vendors`)}${tile('Clients', clientCount, `${CONSOLE_PATH}/clients`)}
${tile('Active connections', activeConnections)}${tile('Webhook subscriptions', hookCount)}</div>
<h2>Needs attention</h2>
${items.length ? html`<ul class="attention" id="attention">${items}</ul>` : html`<p class="ok" id="attention">Nothing needs attention now.</p>`}
${brokenCount > broken.length || hooks.length === ATTENTION_ROWS ? html`<p class="muted">Showing the first ${ATTENTION_ROWS} of each.</p>` : ''}`,
    );
  });
}
