// /console/clients: the OAuth clients, through the same Clients service the admin API calls.
// List (keyset pages in name order, search by name prefix or client id), create (a confidential
// client's secret shown once), edit every field the CLI sets, rotate the secret and delete, each
// of the last two after a page that says what it breaks.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkCsrf } from '../accounts/csrf.ts';
import { type Client, type ClientInput } from '../clients/clients.ts';
import { CONSOLE_PATH } from '../http/paths.ts';
import type { App, FromSchema } from '../http/route-types.ts';
import type { Services } from '../services.ts';
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

const BASE = `${CONSOLE_PATH}/clients`;
const GRANTS = ['client_credentials', 'authorization_code', 'refresh_token', 'implicit'] as const;
const FLAGS = [
  ['allow_implicit', 'Implicit MSP app (token in the redirect)'],
  ['tenant_scope', "Tokens carry the consenting user's organization"],
  ['skip_consent', 'Skip the consent page (first-party app)'],
  ['introspect', "May introspect every client's tokens (a resource server)"],
] as const;
const FIELDS = ['name', 'type', 'grant_types', 'scopes', 'redirect_uris', 'token_format', 'access_token_ttl', 'launch_url', ...FLAGS.map(([f]) => f)];

const text = (max: number) => ({ type: 'string', maxLength: max }) as const;
const clientForm = {
  type: 'object',
  additionalProperties: false,
  required: ['csrf'],
  properties: {
    csrf,
    name: text(200),
    type: { type: 'string', enum: ['confidential', 'public'] },
    grant_types: {
      anyOf: [
        { type: 'string', maxLength: 40 },
        { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 40 } },
      ],
    },
    scopes: text(4000),
    redirect_uris: text(20000),
    token_format: { type: 'string', enum: ['jwt', 'opaque'] },
    access_token_ttl: text(20),
    launch_url: text(2000),
    allow_implicit: text(10),
    tenant_scope: text(10),
    skip_consent: text(10),
    introspect: text(10),
  },
} as const;
type ClientForm = FromSchema<typeof clientForm>;

/** The form's fields as the Clients service takes them (a bad number is named, not guessed). */
function inputOf(form: ClientForm): ClientInput {
  const ttl = form.access_token_ttl?.trim();
  if (ttl && !/^\d+$/.test(ttl))
    throw new Problemed({ status: 400, field: 'access_token_ttl', message: 'Access token ttl: a whole number of seconds, or empty for the default.' });
  const grants = form.grant_types === undefined ? [] : Array.isArray(form.grant_types) ? form.grant_types : [form.grant_types];
  return {
    name: form.name ?? '',
    ...(form.type ? { type: form.type } : {}),
    grant_types: grants,
    scopes: (form.scopes ?? '').split(/[\s,]+/).filter(Boolean),
    redirect_uris: (form.redirect_uris ?? '').split(/\s+/).filter(Boolean),
    token_format: form.token_format ?? 'jwt',
    access_token_ttl: ttl ? Number(ttl) : null,
    launch_url: form.launch_url?.trim() || null,
    allow_implicit: form.allow_implicit === 'on',
    tenant_scope: form.tenant_scope === 'on',
    skip_consent: form.skip_consent === 'on',
    introspect: form.introspect === 'on',
  };
}

/** A problem found in the form itself, before the service saw it. */
class Problemed extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.message);
    this.problem = problem;
  }
}

function fields(values: Partial<Client> & { type?: string }, problem: Problem | undefined, creating: boolean) {
  const grants = values.grant_types ?? ['client_credentials'];
  return html`${problemBanner(problem)}
<label for="name">Name</label><input id="name" name="name" type="text" required maxlength="200" value="${values.name ?? ''}"${invalid(problem, 'name')}>
${
  creating
    ? html`<label for="type">Type</label><select id="type" name="type"${invalid(problem, 'type')}>
<option value="public"${values.type === 'public' ? ' selected' : ''}>Public (no secret)</option><option value="confidential"${values.type !== 'public' ? ' selected' : ''}>Confidential (has a secret)</option></select>`
    : html`<p>Type: <strong>${values.type}</strong> (fixed at creation)</p>`
}
<fieldset${invalid(problem, 'grant_types')}><legend>Grant types</legend>${GRANTS.map(
    (g) => html`<label><input type="checkbox" name="grant_types" value="${g}"${grants.includes(g) ? ' checked' : ''}> ${g}</label>`,
  )}</fieldset>
<label for="scopes">Scopes (space-separated)</label><input id="scopes" name="scopes" type="text" value="${(values.scopes ?? []).join(' ')}"${invalid(problem, 'scopes')}>
<label for="redirect_uris">Redirect URIs (one a line)</label><textarea id="redirect_uris" name="redirect_uris" rows="3" style="width:100%"${invalid(problem, 'redirect_uris')}>${(values.redirect_uris ?? []).join('\n')}</textarea>
<label for="token_format">Token format</label><select id="token_format" name="token_format"${invalid(problem, 'token_format')}>
<option value="jwt"${values.token_format !== 'opaque' ? ' selected' : ''}>JWT</option><option value="opaque"${values.token_format === 'opaque' ? ' selected' : ''}>Opaque</option></select>
<label for="access_token_ttl">Access token ttl (seconds; empty: the default; 0: never, opaque only)</label>
<input id="access_token_ttl" name="access_token_ttl" type="text" inputmode="numeric" value="${values.access_token_ttl ?? ''}"${invalid(problem, 'access_token_ttl')}>
<label for="launch_url">Launch URL (an app tile on the dashboard)</label><input id="launch_url" name="launch_url" type="text" value="${values.launch_url ?? ''}"${invalid(problem, 'launch_url')}>
${FLAGS.map(([f, label]) => html`<label><input type="checkbox" name="${f}"${values[f] ? ' checked' : ''}${invalid(problem, f)}> ${label}</label>`)}`;
}

/** What the form showed, as a client-shaped value, to fill the form again after a refusal. */
function echo(form: ClientForm): Partial<Client> {
  const grants = form.grant_types === undefined ? [] : Array.isArray(form.grant_types) ? form.grant_types : [form.grant_types];
  return {
    name: form.name,
    type: form.type,
    grant_types: grants,
    scopes: (form.scopes ?? '').split(/[\s,]+/).filter(Boolean),
    redirect_uris: (form.redirect_uris ?? '').split(/\s+/).filter(Boolean),
    token_format: form.token_format,
    access_token_ttl: form.access_token_ttl && /^\d+$/.test(form.access_token_ttl) ? Number(form.access_token_ttl) : null,
    launch_url: form.launch_url ?? null,
    allow_implicit: form.allow_implicit === 'on',
    tenant_scope: form.tenant_scope === 'on',
    skip_consent: form.skip_consent === 'on',
    introspect: form.introspect === 'on',
  };
}

function problemFrom(error: unknown): Problem {
  return error instanceof Problemed ? error.problem : problemOf(error, FIELDS);
}

export function consoleClientRoutes(app: App, services: Services) {
  const { clients, audit, vendors } = services;
  const record = (request: FastifyRequest, action: string, clientId: string) =>
    audit.record({ action, outcome: 'success', actor: session(request).actor, clientId, ip: request.ip, details: { via: 'console' } });

  const newPage = (request: FastifyRequest, reply: FastifyReply, values: Partial<Client>, problem?: Problem) =>
    consolePage(
      services,
      request,
      reply,
      problem?.status ?? 200,
      'New client',
      html`<h1>New client</h1><form class="card wide" method="post" action="${BASE}" id="client-form">${csrfField(request, reply, services)}
${fields(values, problem, true)}<p><button type="submit">Create client</button></p></form>`,
    );

  const editPage = async (request: FastifyRequest, reply: FastifyReply, client: Client, values: Partial<Client>, problem?: Problem, saved = false) => {
    // A vendor's OAuth client goes only with its vendor (the foreign key refuses it alone).
    const vendor = await vendors.findByClient(client.id);
    return consolePage(
      services,
      request,
      reply,
      problem?.status ?? 200,
      client.name,
      html`<h1>${client.name}</h1><p>Client id <code>${client.id}</code> · created ${when(client.created_at)} · updated ${when(client.updated_at)} ·
<a href="${CONSOLE_PATH}/audit?client_id=${client.id}">its audit events</a></p>
${saved ? html`<p class="ok" role="status">Saved.</p>` : ''}
<form class="card wide" method="post" action="${BASE}/${client.id}" id="client-form">${csrfField(request, reply, services)}
${fields({ ...values, type: client.type }, problem, false)}<p><button type="submit">Save changes</button></p></form>
<h2>Secret and removal</h2><p>
${client.type === 'confidential' ? html`<a href="${BASE}/${client.id}/rotate-secret">Rotate the secret</a>` : ''}
${
  vendor
    ? html`${client.type === 'confidential' ? ' · ' : ''}This is the OEM API client of vendor <a href="${CONSOLE_PATH}/vendors/${vendor.id}">${vendor.name}</a>: it goes only with the vendor.`
    : html`${client.type === 'confidential' ? ' · ' : ''}<a href="${BASE}/${client.id}/delete">Delete this client</a>`
}</p>`,
    );
  };

  const secretPage = (request: FastifyRequest, reply: FastifyReply, status: number, title: string, client: Client, secret: string | null) =>
    consolePage(
      services,
      request,
      reply,
      status,
      title,
      html`<h1>${title}</h1><div class="card wide"><p>Client id <code id="client-id">${client.id}</code></p>
${
  secret
    ? html`${secretField('client-secret', 'Client secret', secret)}<p><strong>This is the only time the secret is shown.</strong> Copy it now; Gatehouse keeps only its hash.</p>`
    : html`<p>A public client has no secret.</p>`
}
<p><a href="${BASE}/${client.id}">Go to the client</a></p></div>`,
    );

  const listQuery = {
    type: 'object',
    additionalProperties: false,
    properties: { search: text(200), after: text(200), saved: text(5) },
  } as const;

  app.get(BASE, { schema: { summary: 'Console: clients', querystring: listQuery } }, async (request, reply) => {
    const { search, after } = request.query;
    const rows = await clients.page({ search, after, limit: PAGE_SIZE + 1 });
    const shown = rows.slice(0, PAGE_SIZE);
    return consolePage(
      services,
      request,
      reply,
      200,
      'Clients',
      html`<h1>Clients</h1><p><a href="${BASE}/new">New client</a></p>
<form class="filters" method="get" action="${BASE}" role="search"><label>Search by name or client id<br><input name="search" type="search" value="${search ?? ''}"></label><button type="submit">Search</button></form>
<table id="clients"><thead><tr><th>Name</th><th>Client id</th><th>Type</th><th>Grant types</th><th>Updated</th></tr></thead><tbody>
${shown.map((c) => html`<tr><td><a href="${BASE}/${c.id}">${c.name}</a></td><td><code>${c.id}</code></td><td>${c.type}</td><td>${c.grant_types.join(' ')}</td><td>${when(c.updated_at)}</td></tr>`)}
</tbody></table>${shown.length === 0 ? html`<p class="muted">No clients${search ? ' match' : ''}.</p>` : ''}
${nextLink(BASE, { search }, 'after', rows.length > PAGE_SIZE ? shown.at(-1)!.id : undefined)}`,
    );
  });

  app.get(`${BASE}/new`, { schema: { summary: 'Console: new client form' } }, async (request, reply) => newPage(request, reply, {}));

  app.post(`${BASE}`, { schema: { summary: 'Console: create a client (form)', body: clientForm } }, async (request, reply) => {
    checkCsrf(request, request.body.csrf);
    try {
      const { client, secret } = await clients.create(inputOf(request.body));
      record(request, 'client.created', client.id);
      return secretPage(request, reply, 201, 'Client created', client, secret);
    } catch (error) {
      return newPage(request, reply, echo(request.body), problemFrom(error));
    }
  });

  app.get(`${BASE}/:id`, { schema: { summary: 'Console: a client', params: idParams, querystring: listQuery } }, async (request, reply) => {
    const client = await clients.get(request.params.id);
    return editPage(request, reply, client, client, undefined, request.query.saved === '1');
  });

  app.post(`${BASE}/:id`, { schema: { summary: 'Console: update a client (form)', params: idParams, body: clientForm } }, async (request, reply) => {
    checkCsrf(request, request.body.csrf);
    const client = await clients.get(request.params.id);
    try {
      const { type: _fixed, ...input } = inputOf(request.body);
      const updated = await clients.update(client.id, input);
      record(request, 'client.updated', updated.id);
      return reply.redirect(`${BASE}/${updated.id}?saved=1`, 303);
    } catch (error) {
      return editPage(request, reply, client, echo(request.body), problemFrom(error));
    }
  });

  app.get(`${BASE}/:id/rotate-secret`, { schema: { summary: 'Console: confirm a secret rotation', params: idParams } }, async (request, reply) => {
    const client = await clients.get(request.params.id);
    return confirmPage(services, request, reply, {
      title: `Rotate the secret of ${client.name}?`,
      breaks:
        'The current secret stops working at once: every application using it can no longer get tokens until it is given the new one. Tokens already issued keep working until they expire.',
      action: `${BASE}/${client.id}/rotate-secret`,
      button: 'Yes, rotate the secret',
      back: `${BASE}/${client.id}`,
    });
  });

  const confirmBody = { type: 'object', additionalProperties: false, required: ['csrf', 'confirm'], properties: { csrf, confirm: confirmed } } as const;

  app.post(
    `${BASE}/:id/rotate-secret`,
    { schema: { summary: 'Console: rotate a client secret (form)', params: idParams, body: confirmBody } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const client = await clients.get(request.params.id);
      try {
        const rotated = await clients.rotateSecret(client.id);
        record(request, 'client.secret_rotated', client.id);
        return secretPage(request, reply, 200, 'New client secret', rotated.client, rotated.secret);
      } catch (error) {
        return editPage(request, reply, client, client, problemFrom(error));
      }
    },
  );

  app.get(`${BASE}/:id/delete`, { schema: { summary: 'Console: confirm deleting a client', params: idParams } }, async (request, reply) => {
    const client = await clients.get(request.params.id);
    return confirmPage(services, request, reply, {
      title: `Delete ${client.name}?`,
      breaks: html`Client <code>${client.id}</code> is removed for good: applications using its client id can no longer get tokens, its
opaque access tokens and refresh tokens stop working, and every authorization users gave it ends. JWT access tokens it already
holds stay valid, for servers that check only their signature, until they expire. This cannot be undone.`,
      action: `${BASE}/${client.id}/delete`,
      button: 'Yes, delete the client',
      back: `${BASE}/${client.id}`,
    });
  });

  app.post(`${BASE}/:id/delete`, { schema: { summary: 'Console: delete a client (form)', params: idParams, body: confirmBody } }, async (request, reply) => {
    checkCsrf(request, request.body.csrf);
    const client = await clients.get(request.params.id);
    try {
      await clients.remove(client.id);
    } catch (error) {
      return editPage(request, reply, client, client, problemFrom(error));
    }
    record(request, 'client.deleted', client.id);
    return reply.redirect(BASE, 303);
  });
}
