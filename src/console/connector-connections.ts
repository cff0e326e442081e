// A connector's connections, as its console page lists them: the organization (linking to its
// page and to its connections), status, last refresh and what went wrong, in keyset pages by
// creation.
import { CONSOLE_PATH } from '../http/paths.ts';
import type { Services } from '../services.ts';
import { html, when, type Markup } from '../ui/layout.ts';
import { connectionsPath } from './organization-links.ts';
import { nextLink, PAGE_SIZE } from './view.ts';

const ORGANIZATIONS = `${CONSOLE_PATH}/organizations`;

export async function connectorConnections({ connectors, organizations }: Services, connectorId: string, after: string | undefined): Promise<Markup> {
  const rows = await connectors.connections.list({ connectorId, after }, PAGE_SIZE + 1);
  const shown = rows.slice(0, PAGE_SIZE);
  if (shown.length === 0)
    return html`<p class="muted" id="no-connections">${after ? 'No more connections.' : 'No organization is connected through it yet.'}</p>`;
  const orgs = new Map((await organizations.findMany([...new Set(shown.map((r) => r.organization_id))])).map((o) => [o.id, o]));
  return html`<table id="connections"><thead><tr><th>Organization</th><th>Status</th><th>Last refresh</th><th>Expires</th><th>Problem</th><th>Connected</th></tr></thead><tbody>
${shown.map((r) => {
  const org = orgs.get(r.organization_id);
  const problem = r.last_error ?? r.verification_error;
  return html`<tr><td><a href="${ORGANIZATIONS}/${r.organization_id}">${org?.name ?? r.organization_id}</a> · <a href="${connectionsPath(r.organization_id)}#connection-${r.id}">its connections</a></td>
<td>${r.status}</td><td>${when(r.last_refresh_at)}</td><td>${r.expires_at ? when(r.expires_at) : 'does not expire'}</td><td>${
    problem ? html`${problem}${r.refresh_failures > 0 ? html` (${r.refresh_failures} failed refreshes)` : ''}` : ''
  }</td><td>${when(r.connected_at)}</td></tr>`;
})}</tbody></table>
${nextLink(`${CONSOLE_PATH}/connectors/${connectorId}`, {}, 'after', rows.length > PAGE_SIZE ? shown.at(-1)!.id : undefined)}`;
}
