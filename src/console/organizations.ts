// /console/organizations: the organizations (partners) through the Organizations service the
// admin API calls. The list pages by id and takes one search: a name prefix, an organization id,
// a vendor id or a user's email. Each organization's own page (its vendor, users, integrations
// and OEM token) is src/console/organization.ts.
import { CONSOLE_PATH } from '../http/paths.ts';
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { html, when } from '../ui/layout.ts';
import { consolePage, nextLink, PAGE_SIZE } from './view.ts';

export const ORGANIZATIONS_PATH = `${CONSOLE_PATH}/organizations`;

const text = (max: number) => ({ type: 'string', maxLength: max }) as const;

export function consoleOrganizationListRoute(app: App, services: Services) {
  const { organizations, vendors } = services;
  app.get(
    ORGANIZATIONS_PATH,
    {
      schema: {
        summary: 'Console: organizations',
        querystring: { type: 'object', additionalProperties: false, properties: { search: text(254), after: text(200) } },
      },
    },
    async (request, reply) => {
      const { search, after } = request.query;
      const rows = await organizations.page({ search, after, limit: PAGE_SIZE + 1 });
      const shown = rows.slice(0, PAGE_SIZE);
      const vendorNames = await vendors.names(shown.map((o) => o.vendor_id));
      return consolePage(
        services,
        request,
        reply,
        200,
        'Organizations',
        html`<h1>Organizations</h1>
<form class="filters" method="get" action="${ORGANIZATIONS_PATH}" role="search"><label>Search by name, organization id, vendor id or a user's email<br>
<input name="search" type="search" value="${search ?? ''}" size="40"></label><button type="submit">Search</button></form>
<table id="organizations"><thead><tr><th>Name</th><th>Organization id</th><th>Vendor</th><th>Vendor's organization id</th><th>OEM token</th><th>Created</th></tr></thead><tbody>
${shown.map(
  (o) =>
    html`<tr><td><a href="${ORGANIZATIONS_PATH}/${o.id}">${o.name}</a></td><td><code>${o.id}</code></td>
<td><a href="${CONSOLE_PATH}/vendors/${o.vendor_id}">${vendorNames.get(o.vendor_id) ?? o.vendor_id}</a></td><td>${o.vendor_organization_id ?? html`<span class="muted">-</span>`}</td>
<td>${o.oem_token_hash ? 'active' : 'revoked'}</td><td>${when(o.created_at)}</td></tr>`,
)}</tbody></table>${shown.length === 0 ? html`<p class="muted">No organizations${search ? ' match' : ''}.</p>` : ''}
${nextLink(ORGANIZATIONS_PATH, { search }, 'after', rows.length > PAGE_SIZE ? shown.at(-1)!.id : undefined)}`,
      );
    },
  );
}
