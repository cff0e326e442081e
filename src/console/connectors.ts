// /console/connectors: connector definitions through the connector service the admin API calls.
// List (keyset pages in name order; search by name prefix, connector id or vendor id), create from
// a catalogue template (the template's definition with the operator's client and name merged
// over it, as POST /connectors {template, overrides}) or from every field, edit (PATCH semantics:
// only what changed is sent), delete after a page that says what it breaks, and each connector's
// connections with links to their organizations.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkCsrf } from '../accounts/csrf.ts';
import { fromTemplate } from '../connectors/admin/templates.ts';
import type { ConnectorTemplate } from '../connectors/catalogue.ts';
import type { Connector } from '../connectors/connectors.ts';
import { definitionInputSchema, definitionPatchSchema, type DefinitionInput } from '../connectors/definition.ts';
import { CONSOLE_PATH } from '../http/paths.ts';
import type { App } from '../http/route-types.ts';
import { bodyCheck } from '../ops/validation.ts';
import type { Services } from '../services.ts';
import { csrfField } from '../ui/forms.ts';
import { html, when } from '../ui/layout.ts';
import { connectorConnections } from './connector-connections.ts';
import { connectorFields, connectorFormBody, connectorProblem, definitionOf, echo, formOf, patchOf } from './connector-form.ts';
import { confirmed, confirmPage, consolePage, csrf, idParams, invalid, nextLink, PAGE_SIZE, problemBanner, session, type Problem } from './view.ts';

const BASE = `${CONSOLE_PATH}/connectors`;
const text = (max: number) => ({ type: 'string', maxLength: max }) as const;
const checkDefinitionBody = bodyCheck(definitionInputSchema);
const checkPatchBody = bodyCheck(definitionPatchSchema);

const authOf = (d: { authMode?: string | null; grantType?: string | null }) =>
  (d.authMode ?? 'oauth2') === 'oauth2' ? `oauth2 ${d.grantType ?? ''}`.trim() : (d.authMode ?? '');

/** A documentation link's host, short enough for a table column. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

const templateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['csrf'],
  properties: { csrf, name: text(200), clientId: text(500), clientSecret: text(4000), scopes: text(4000) },
} as const;
const nameParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 100 } } } as const;

export function consoleConnectorRoutes(app: App, services: Services) {
  const { connectors: service, audit } = services;
  const redirectUri = service.authorization.redirectUri;
  const record = (request: FastifyRequest, action: string, connectorId: string, details: Record<string, unknown> = {}) =>
    audit.record({
      action,
      outcome: 'success',
      actor: session(request).actor,
      ip: request.ip,
      details: { connector_id: connectorId, via: 'console', ...details },
    });

  /** The admin API's create: the body checked as POST /connectors checks it, then the service. */
  const create = async (request: FastifyRequest, definition: unknown) => {
    checkDefinitionBody(definition);
    const connector = await service.connectors.create(definition as DefinitionInput);
    record(request, 'connector.created', connector.id);
    return connector;
  };

  app.get(
    BASE,
    {
      schema: {
        summary: 'Console: connectors',
        querystring: { type: 'object', additionalProperties: false, properties: { search: text(200), after: text(200) } },
      },
    },
    async (request, reply) => {
      const { search, after } = request.query;
      const rows = await service.connectors.page({ search, after, limit: PAGE_SIZE + 1 });
      const shown = rows.slice(0, PAGE_SIZE);
      return consolePage(
        services,
        request,
        reply,
        200,
        'Connectors',
        html`<h1>Connectors</h1><p><a href="${BASE}/templates">New connector from a template</a> · <a href="${BASE}/new">New connector from the fields</a></p>
<form class="filters" method="get" action="${BASE}" role="search"><label>Search by name, connector id or vendor id<br><input name="search" type="search" value="${search ?? ''}"></label><button type="submit">Search</button></form>
<table id="connectors"><thead><tr><th>Name</th><th>Connector id</th><th>Auth</th><th>API</th><th>Updated</th></tr></thead><tbody>
${shown.map(
  (c) =>
    html`<tr><td><a href="${BASE}/${c.id}">${c.definition.name}</a></td><td><code>${c.id}</code></td><td>${authOf(c.definition)}</td><td><code>${c.definition.apiBaseUrl}</code></td><td>${when(c.updatedAt)}</td></tr>`,
)}</tbody></table>${shown.length === 0 ? html`<p class="muted">No connectors${search ? ' match' : ''}.</p>` : ''}
${nextLink(BASE, { search }, 'after', rows.length > PAGE_SIZE ? shown.at(-1)!.id : undefined)}`,
      );
    },
  );

  app.get(`${BASE}/templates`, { schema: { summary: 'Console: the connector templates' } }, async (request, reply) =>
    consolePage(
      services,
      request,
      reply,
      200,
      'New connector from a template',
      html`<h1>New connector from a template</h1><p>Each template holds what Gatehouse knows of the vendor's API; you add your own OAuth client where it needs one.
Or <a href="${BASE}/new">define every field yourself</a>.</p>
<table id="templates"><thead><tr><th>Template</th><th>Auth</th><th>What is unusual</th><th>Documentation</th></tr></thead><tbody>
${service.catalogue
  .list()
  .map(
    (t) =>
      html`<tr><td><a href="${BASE}/templates/${t.name}">${t.title}</a></td><td>${authOf(t.definition)}</td><td>${t.quirks.join(' ')}</td><td>${
        t.definition.documentationUrl
          ? html`<a href="${t.definition.documentationUrl}" rel="noopener noreferrer">${hostOf(t.definition.documentationUrl)}</a>`
          : ''
      }</td></tr>`,
  )}</tbody></table>`,
    ),
  );

  const templatePage = (request: FastifyRequest, reply: FastifyReply, t: ConnectorTemplate, values: Record<string, string>, problem?: Problem) => {
    const d = t.definition;
    const oauth = (d.authMode ?? 'oauth2') === 'oauth2';
    const field = (key: string, label: string, input: string, help?: string) =>
      html`<label for="${key}">${label}</label><input id="${key}" name="${key}" type="${input}"${
        input === 'password' ? html` autocomplete="new-password" required` : html` value="${values[key] ?? ''}" spellcheck="false"`
      }${key === 'clientId' ? ' required' : ''}${invalid(problem, key)}>${help ? html`<small class="muted">${help}</small>` : ''}`;
    return consolePage(
      services,
      request,
      reply,
      problem?.status ?? 200,
      `New ${t.title} connector`,
      html`<h1>New ${t.title} connector</h1>
<ul>${t.quirks.map((q) => html`<li>${q}</li>`)}</ul>
${
  oauth
    ? html`<p>Register an OAuth application with ${t.title}${d.grantType === 'authorization_code' ? html` with the redirect URI <code id="redirect-uri">${redirectUri}</code>` : ''}, then enter its client here.</p>`
    : html`<p>Each organization enters its own ${t.title} credentials when it connects; the connector needs nothing more from you.</p>`
}
<form class="card wide" method="post" action="${BASE}/templates/${t.name}" id="template-form">${csrfField(request, reply, services)}${problemBanner(problem)}
${field('name', 'Name', 'text')}
${oauth ? html`${field('clientId', 'Client ID', 'text')}${field('clientSecret', 'Client secret', 'password', 'Stored encrypted; never shown again.')}${field('scopes', 'Scopes', 'text', 'Space-separated; the template asks for these.')}` : ''}
<p><button type="submit">Create connector</button> <a href="${BASE}/templates">Another template</a></p></form>`,
    );
  };

  app.get(`${BASE}/templates/:name`, { schema: { summary: 'Console: new connector from a template', params: nameParams } }, async (request, reply) => {
    const t = service.catalogue.get(request.params.name);
    return templatePage(request, reply, t, { name: t.definition.name ?? t.title, scopes: (t.definition.scopes ?? []).join(' ') });
  });

  app.post(
    `${BASE}/templates/:name`,
    { schema: { summary: 'Console: create a connector from a template (form)', params: nameParams, body: templateBody } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const t = service.catalogue.get(request.params.name);
      const { name, clientId, clientSecret, scopes } = request.body;
      // As `gatehouse connector create --template`: only what differs from the template is an override.
      const overrides: DefinitionInput = {};
      if (name?.trim() && name.trim() !== t.definition.name) overrides.name = name.trim();
      if (clientId?.trim()) overrides.clientId = clientId.trim();
      if (clientSecret) overrides.clientSecret = clientSecret;
      const scopeList = scopes?.split(/[\s,]+/).filter(Boolean);
      if (scopeList && scopes !== undefined && scopeList.join(' ') !== (t.definition.scopes ?? []).join(' ')) overrides.scopes = scopeList;
      try {
        const connector = await create(request, fromTemplate(service.catalogue, { template: t.name, overrides }));
        return reply.redirect(`${BASE}/${connector.id}?created=1`, 303);
      } catch (error) {
        const { clientSecret: _secret, csrf: _csrf, ...shown } = request.body;
        return templatePage(request, reply, t, shown as Record<string, string>, connectorProblem(error));
      }
    },
  );

  const newPage = (request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, problem?: Problem) =>
    consolePage(
      services,
      request,
      reply,
      problem?.status ?? 200,
      'New connector',
      html`<h1>New connector</h1><p>Every field of a definition, as the admin API takes it; empty fields take their defaults. Most vendors are quicker
<a href="${BASE}/templates">from a template</a>. OAuth connectors register the redirect URI <code>${redirectUri}</code> with the vendor.</p>
<form class="card wide" method="post" action="${BASE}" id="connector-form">${csrfField(request, reply, services)}
${connectorFields(values, problem)}<p><button type="submit">Create connector</button></p></form>`,
    );

  app.get(`${BASE}/new`, { schema: { summary: 'Console: new connector form' } }, async (request, reply) => newPage(request, reply, {}));

  app.post(BASE, { schema: { summary: 'Console: create a connector from its fields (form)', body: connectorFormBody } }, async (request, reply) => {
    checkCsrf(request, request.body.csrf);
    try {
      const connector = await create(request, definitionOf(request.body));
      return reply.redirect(`${BASE}/${connector.id}?created=1`, 303);
    } catch (error) {
      return newPage(request, reply, echo(request.body), connectorProblem(error));
    }
  });

  const detailQuery = {
    type: 'object',
    additionalProperties: false,
    properties: { after: text(200), created: text(5), saved: text(5) },
  } as const;

  const detailPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    connector: Connector,
    options: { values?: Record<string, string>; problem?: Problem; after?: string; note?: string } = {},
  ) => {
    const d = connector.definition;
    const { problem } = options;
    return consolePage(
      services,
      request,
      reply,
      problem?.status ?? 200,
      d.name,
      html`<h1>${d.name}</h1><p>Connector id <code id="connector-id">${connector.id}</code> · ${authOf(d)} · API <code>${d.apiBaseUrl}</code> · created
${when(connector.createdAt)} · updated ${when(connector.updatedAt)}${
        d.documentationUrl ? html` · <a href="${d.documentationUrl}" rel="noopener noreferrer">vendor documentation</a>` : ''
      }</p>
${options.note ? html`<p class="ok" role="status">${options.note}</p>` : ''}
${d.authMode === 'oauth2' ? html`<p>Redirect URI to register with the vendor: <code id="redirect-uri">${redirectUri}</code></p>` : ''}
<h2>Connections</h2>${await connectorConnections(services, connector.id, options.after)}
<h2>Edit</h2><form class="card wide" method="post" action="${BASE}/${connector.id}" id="connector-form">${csrfField(request, reply, services)}
${connectorFields(options.values ?? formOf(d), problem, formOf(d))}<p><button type="submit">Save changes</button></p></form>
<h2>Removal</h2><p><a href="${BASE}/${connector.id}/delete">Delete this connector</a></p>`,
    );
  };

  app.get(`${BASE}/:id`, { schema: { summary: 'Console: a connector', params: idParams, querystring: detailQuery } }, async (request, reply) => {
    const connector = await service.connectors.get(request.params.id);
    const { created, saved, after } = request.query;
    const note = created === '1' ? 'Connector created.' : saved === '1' ? 'Saved.' : saved === '0' ? 'Nothing changed.' : undefined;
    return detailPage(request, reply, connector, { after, note });
  });

  app.post(`${BASE}/:id`, { schema: { summary: 'Console: change a connector (form)', params: idParams, body: connectorFormBody } }, async (request, reply) => {
    checkCsrf(request, request.body.csrf);
    const connector = await service.connectors.get(request.params.id);
    try {
      const patch = patchOf(request.body, connector.definition);
      if (Object.keys(patch).length === 0) return reply.redirect(`${BASE}/${connector.id}?saved=0`, 303);
      checkPatchBody(patch);
      await service.connectors.update(connector.id, patch);
      record(request, 'connector.updated', connector.id, { fields: Object.keys(patch) });
      return reply.redirect(`${BASE}/${connector.id}?saved=1`, 303);
    } catch (error) {
      return detailPage(request, reply, connector, { values: echo(request.body), problem: connectorProblem(error) });
    }
  });

  app.get(`${BASE}/:id/delete`, { schema: { summary: 'Console: confirm deleting a connector', params: idParams } }, async (request, reply) => {
    const connector = await service.connectors.get(request.params.id);
    const connected = await service.connections.list({ connectorId: connector.id }, 1);
    if (connected.length > 0) {
      return detailPage(request, reply, connector, {
        problem: {
          status: 409,
          message: `${connector.definition.name} still has connections: the organizations listed under Connections use it. Disconnect them first; a connector with connections cannot be deleted.`,
        },
      });
    }
    return confirmPage(services, request, reply, {
      title: `Delete ${connector.definition.name}?`,
      breaks: html`Connector <code>${connector.id}</code> is removed for good, its client secret with it: no organization can connect through it any more,
and connect links already handed out for it stop working. It has no connections now. This cannot be undone.`,
      action: `${BASE}/${connector.id}/delete`,
      button: 'Yes, delete the connector',
      back: `${BASE}/${connector.id}`,
    });
  });

  app.post(
    `${BASE}/:id/delete`,
    {
      schema: {
        summary: 'Console: delete a connector (form)',
        params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['csrf', 'confirm'], properties: { csrf, confirm: confirmed } },
      },
    },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const connector = await service.connectors.get(request.params.id);
      try {
        await service.connectors.remove(connector.id);
      } catch (error) {
        return detailPage(request, reply, connector, { problem: connectorProblem(error) });
      }
      record(request, 'connector.deleted', connector.id);
      return reply.redirect(BASE, 303);
    },
  );
}
