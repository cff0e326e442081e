// /console/vendors: vendors through the Vendors service the admin API calls. Create (the OAuth
// client secret and the first Vendor API key shown once), disable and enable (after a page that
// says what stops), rotate the Vendor API key with its overlap, and the vendor's organizations
// (keyset pages by id).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkCsrf } from '../accounts/csrf.ts';
import { CONSOLE_PATH } from '../http/paths.ts';
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import type { VendorWithKeys } from '../vendors/vendors.ts';
import { csrfField } from '../ui/forms.ts';
import { html, when } from '../ui/layout.ts';
import {
  confirmed,
  confirmPage,
  consolePage,
  csrf,
  idParams,
  invalid,
  nextLink,
  PAGE_SIZE,
  problemBanner,
  problemOf,
  secretField,
  session,
  type Problem,
} from './view.ts';

const BASE = `${CONSOLE_PATH}/vendors`;
const MAX_OVERLAP = 7_776_000; // the admin API's bound: 90 days

const text = (max: number) => ({ type: 'string', maxLength: max }) as const;

export function consoleVendorRoutes(app: App, services: Services) {
  const { vendors, organizations, audit, config, mspcAuth } = services;
  const record = (request: FastifyRequest, action: string, vendorId: string, details: Record<string, unknown> = {}) =>
    audit.record({ action, outcome: 'success', actor: session(request).actor, ip: request.ip, details: { vendor_id: vendorId, via: 'console', ...details } });

  const listPage = (request: FastifyRequest, reply: FastifyReply, rows: VendorWithKeys[], search: string | undefined, name: string, problem?: Problem) => {
    const shown = rows.slice(0, PAGE_SIZE);
    return consolePage(
      services,
      request,
      reply,
      problem?.status ?? 200,
      'Vendors',
      html`<h1>Vendors</h1>
<form class="card" method="post" action="${BASE}" id="vendor-form"><h2>New vendor</h2>${csrfField(request, reply, services)}${problemBanner(problem)}
<label for="name">Name</label><input id="name" name="name" type="text" required maxlength="200" value="${name}"${invalid(problem, 'name')}>
<p><button type="submit">Create vendor</button></p></form>
<form class="filters" method="get" action="${BASE}" role="search"><label>Search by name or vendor id<br><input name="search" type="search" value="${search ?? ''}"></label><button type="submit">Search</button></form>
<table id="vendors"><thead><tr><th>Name</th><th>Vendor id</th><th>Status</th><th>Live API keys</th><th>Created</th></tr></thead><tbody>
${shown.map(
  ({ vendor, keys }) =>
    html`<tr><td><a href="${BASE}/${vendor.id}">${vendor.name}</a></td><td><code>${vendor.id}</code></td><td>${vendor.disabled_at ? 'disabled' : 'active'}</td><td>${keys.length}</td><td>${when(vendor.created_at)}</td></tr>`,
)}</tbody></table>${shown.length === 0 ? html`<p class="muted">No vendors${search ? ' match' : ''}.</p>` : ''}
${nextLink(BASE, { search }, 'after', rows.length > PAGE_SIZE ? shown.at(-1)!.vendor.id : undefined)}`,
    );
  };

  app.get(
    BASE,
    {
      schema: {
        summary: 'Console: vendors',
        querystring: { type: 'object', additionalProperties: false, properties: { search: text(200), after: text(200) } },
      },
    },
    async (request, reply) => {
      const { search, after } = request.query;
      return listPage(request, reply, await vendors.page({ search, after, limit: PAGE_SIZE + 1 }), search, '');
    },
  );

  app.post(
    BASE,
    {
      schema: {
        summary: 'Console: create a vendor (form)',
        body: { type: 'object', additionalProperties: false, required: ['csrf', 'name'], properties: { csrf, name: text(200) } },
      },
    },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      let created;
      try {
        created = await vendors.create(request.body.name);
      } catch (error) {
        return listPage(request, reply, await vendors.page({ limit: PAGE_SIZE + 1 }), undefined, request.body.name, problemOf(error, ['name']));
      }
      record(request, 'vendor.created', created.vendor.id, { client_id: created.vendor.client_id });
      return consolePage(
        services,
        request,
        reply,
        201,
        'Vendor created',
        html`<h1>Vendor ${created.vendor.name} created</h1><div class="card wide">
<p>Vendor id <code id="vendor-id">${created.vendor.id}</code> · OAuth client id <code id="client-id">${created.vendor.client_id}</code></p>
${secretField('client-secret', 'OAuth client secret (for the OEM API)', created.clientSecret)}
${secretField('vendor-api-key', 'Vendor API key', created.apiKey)}
<p><strong>This is the only time these secrets are shown.</strong> Copy them now; Gatehouse keeps only their hashes.</p>
<p><a href="${BASE}/${created.vendor.id}">Go to the vendor</a></p></div>`,
      );
    },
  );

  const detailQuery = { type: 'object', additionalProperties: false, properties: { after: text(200) } } as const;
  const detail = async (request: FastifyRequest, reply: FastifyReply, id: string, after: string | undefined, problem?: Problem) => {
    const { vendor, keys } = await vendors.get(id);
    const orgs = await organizations.list({ vendorId: id, after, limit: PAGE_SIZE + 1 });
    const shownOrgs = orgs.slice(0, PAGE_SIZE);
    return consolePage(
      services,
      request,
      reply,
      problem?.status ?? 200,
      vendor.name,
      html`<h1>${vendor.name}</h1>
<p>Vendor id <code>${vendor.id}</code> · <strong id="vendor-status">${vendor.disabled_at ? 'disabled' : 'active'}</strong> · OAuth client
<a href="${CONSOLE_PATH}/clients/${vendor.client_id}"><code>${vendor.client_id}</code></a> · created ${when(vendor.created_at)}</p>
${
  vendor.disabled_at
    ? html`<form method="post" action="${BASE}/${vendor.id}/enable">${csrfField(request, reply, services)}<button type="submit">Enable the vendor</button></form>`
    : html`<p><a href="${BASE}/${vendor.id}/disable">Disable the vendor</a></p>`
}
<h2>Vendor API keys</h2>
<table id="api-keys"><thead><tr><th>Created</th><th>Expires</th><th>Last used</th></tr></thead><tbody>
${keys.map((k) => html`<tr><td>${when(k.created_at)}</td><td>${k.expires_at ? when(k.expires_at) : 'does not expire'}</td><td>${when(k.last_used_at)}</td></tr>`)}
</tbody></table>
<form class="card" method="post" action="${BASE}/${vendor.id}/rotate-api-key" id="rotate-key"><h3>Rotate the Vendor API key</h3>${csrfField(request, reply, services)}
${problemBanner(problem)}<label for="overlap_seconds">Seconds the current key keeps working (overlap)</label>
<input id="overlap_seconds" name="overlap_seconds" type="text" inputmode="numeric" value="${config.keyOverlap}"${invalid(problem, 'overlap_seconds')}>
<p><button type="submit">Issue a new key</button></p></form>
<h2>Organizations</h2>
<table id="organizations"><thead><tr><th>Name</th><th>Organization id</th><th>Created</th></tr></thead><tbody>
${shownOrgs.map((o) => html`<tr><td><a href="${CONSOLE_PATH}/organizations/${o.id}">${o.name}</a></td><td><code>${o.id}</code></td><td>${when(o.created_at)}</td></tr>`)}
</tbody></table>${shownOrgs.length === 0 ? html`<p class="muted">No organizations yet.</p>` : ''}
${nextLink(`${BASE}/${vendor.id}`, {}, 'after', orgs.length > PAGE_SIZE ? shownOrgs.at(-1)!.id : undefined)}`,
    );
  };

  app.get(`${BASE}/:id`, { schema: { summary: 'Console: a vendor', params: idParams, querystring: detailQuery } }, async (request, reply) =>
    detail(request, reply, request.params.id, request.query.after),
  );

  app.get(`${BASE}/:id/disable`, { schema: { summary: 'Console: confirm disabling a vendor', params: idParams } }, async (request, reply) => {
    const { vendor } = await vendors.get(request.params.id);
    return confirmPage(services, request, reply, {
      title: `Disable ${vendor.name}?`,
      breaks:
        "Its OEM API client and Vendor API keys are refused at once, and its organizations' users can no longer sign in or open their dashboards (their sessions and login links stop working). Nothing is deleted: enabling the vendor again restores access.",
      action: `${BASE}/${vendor.id}/disable`,
      button: 'Yes, disable the vendor',
      back: `${BASE}/${vendor.id}`,
    });
  });

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `${BASE}/:id/${action}`,
      {
        schema: {
          summary: `Console: ${action} a vendor (form)`,
          params: idParams,
          body: { type: 'object', additionalProperties: false, required: ['csrf'], properties: { csrf, confirm: confirmed } },
        },
      },
      async (request, reply) => {
        checkCsrf(request, request.body.csrf);
        const { id } = request.params;
        // Disabling goes through the page that says what stops.
        if (disabled && request.body.confirm !== 'yes') return reply.redirect(`${BASE}/${id}/disable`, 303);
        await vendors.setDisabled(id, disabled);
        mspcAuth.invalidate({ topic: 'vendor', id });
        record(request, `vendor.${disabled ? 'disabled' : 'enabled'}`, id);
        return reply.redirect(`${BASE}/${id}`, 303);
      },
    );
  }

  app.post(
    `${BASE}/:id/rotate-api-key`,
    {
      schema: {
        summary: 'Console: rotate a Vendor API key (form)',
        params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['csrf'], properties: { csrf, overlap_seconds: text(20) } },
      },
    },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { id } = request.params;
      const raw = request.body.overlap_seconds?.trim() ?? '';
      if (raw !== '' && (!/^\d+$/.test(raw) || Number(raw) > MAX_OVERLAP)) {
        return detail(request, reply, id, undefined, {
          status: 400,
          field: 'overlap_seconds',
          message: `Overlap: a whole number of seconds from 0 to ${MAX_OVERLAP} (90 days).`,
        });
      }
      const overlap = raw === '' ? config.keyOverlap : Number(raw);
      const result = await vendors.rotateKey(id, overlap);
      mspcAuth.invalidate({ topic: 'vendor', id });
      record(request, 'vendor.api_key_rotated', id, { overlap_seconds: overlap });
      return consolePage(
        services,
        request,
        reply,
        200,
        'New Vendor API key',
        html`<h1>New Vendor API key for ${result.vendor.name}</h1><div class="card wide">
${secretField('vendor-api-key', 'Vendor API key', result.apiKey)}
<p><strong>This is the only time the key is shown.</strong> The previous key keeps working until ${when(result.previousExpiresAt)}
(<span id="previous-expires">${result.previousExpiresAt.toISOString()}</span>).</p>
<p><a href="${BASE}/${id}">Back to the vendor</a></p></div>`,
      );
    },
  );
}
