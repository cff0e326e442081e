// /console/organizations/:id: one organization through the services the admin API calls: its
// vendor, its users (src/console/organization-users.ts), its integrations
// (src/console/organization-integrations.ts), links to its webhook subscriptions and connections,
// and its OEM token, rotated (the new one shown once) or revoked after a page that says what stops.
import type { FastifyRequest } from 'fastify';
import { checkCsrf } from '../accounts/csrf.ts';
import { CONSOLE_PATH } from '../http/paths.ts';
import type { App } from '../http/route-types.ts';
import type { Organization } from '../organizations/organizations.ts';
import type { Services } from '../services.ts';
import { html, when } from '../ui/layout.ts';
import { consoleOrganizationIntegrationRoutes, integrationsSection } from './organization-integrations.ts';
import { consoleOrganizationUserRoutes, usersSection, type OrganizationPage } from './organization-users.ts';
import { ORGANIZATIONS_PATH } from './organizations.ts';
import { confirmed, confirmPage, consolePage, csrf, idParams, problemBanner, secretField, session } from './view.ts';

/** What the OEM API refuses without the token (seed 000): the calls that name the organization by it. */
const TOKEN_CALLS = 'adding users, creating login links, and creating or updating integrations';

export function consoleOrganizationRoutes(app: App, services: Services) {
  const { organizations, vendors, audit, mspcAuth } = services;
  const record = (request: FastifyRequest, action: string, o: Organization) =>
    audit.record({
      action,
      outcome: 'success',
      actor: session(request).actor,
      ip: request.ip,
      details: { organization_id: o.id, vendor_id: o.vendor_id, via: 'console' },
    });

  const page: OrganizationPage = async (request, reply, id, options = {}) => {
    const { problem } = options;
    const organization = await organizations.get(id);
    const base = `${ORGANIZATIONS_PATH}/${organization.id}`;
    const [{ vendor }, users, integrations] = await Promise.all([
      vendors.get(organization.vendor_id),
      usersSection(services, request, reply, organization, { problem, invite: options.invite, after: options.usersAfter }),
      integrationsSection(services, request, reply, organization, problem),
    ]);
    // A problem no section shows (a form of the page that is not a section's) goes at the top.
    const shownBySection = problem?.field && /^(email|invite|integration|user-.+|overlap-.+)$/.test(problem.field);
    return consolePage(
      services,
      request,
      reply,
      problem?.status ?? 200,
      organization.name,
      html`<h1>${organization.name}</h1>${shownBySection ? '' : problemBanner(problem)}
<p>Organization id <code id="organization-id">${organization.id}</code> · vendor <a href="${CONSOLE_PATH}/vendors/${vendor.id}">${vendor.name}</a>
${vendor.disabled_at ? html`(<strong>disabled</strong>: its users cannot sign in)` : ''}
${organization.vendor_organization_id ? html`· the vendor's id for it <code>${organization.vendor_organization_id}</code>` : ''} · created ${when(organization.created_at)}</p>
<p><a href="${base}/webhooks">Webhook subscriptions</a> · <a href="${base}/connections">Connections</a></p>
${users}
${integrations}
<h2 id="oem-token">OEM token</h2>
<p>The OEM API names this organization by its token (${TOKEN_CALLS}). It is <strong id="oem-token-status">${organization.oem_token_hash ? 'active' : 'revoked'}</strong>.</p>
<p><a href="${base}/oem-token/rotate">${organization.oem_token_hash ? 'Rotate the OEM token' : 'Issue a new OEM token'}</a>
${organization.oem_token_hash ? html` · <a href="${base}/oem-token/revoke">Revoke the OEM token</a>` : ''}</p>`,
    );
  };

  app.get(
    `${ORGANIZATIONS_PATH}/:id`,
    {
      schema: {
        summary: 'Console: an organization',
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: { users_after: { type: 'string', maxLength: 200 } } },
      },
    },
    async (request, reply) => page(request, reply, request.params.id, { usersAfter: request.query.users_after }),
  );

  app.get(
    `${ORGANIZATIONS_PATH}/:id/oem-token/rotate`,
    { schema: { summary: 'Console: confirm an OEM token rotation', params: idParams } },
    async (request, reply) => {
      const organization = await organizations.get(request.params.id);
      const { vendor } = await vendors.get(organization.vendor_id);
      return confirmPage(services, request, reply, {
        title: `${organization.oem_token_hash ? 'Rotate' : 'Issue'} the OEM token of ${organization.name}?`,
        breaks: organization.oem_token_hash
          ? `The current token stops working at once: ${vendor.name}'s OEM API calls that carry it (${TOKEN_CALLS}) are refused until the vendor is given the new one, shown once on the next page. Users, integrations and the Vendor API are not affected.`
          : `A new token is shown once on the next page; ${vendor.name} needs it for the OEM API calls that name this organization (${TOKEN_CALLS}).`,
        action: `${ORGANIZATIONS_PATH}/${organization.id}/oem-token/rotate`,
        button: organization.oem_token_hash ? 'Yes, rotate the OEM token' : 'Yes, issue a new OEM token',
        back: `${ORGANIZATIONS_PATH}/${organization.id}`,
      });
    },
  );

  const confirmBody = { type: 'object', additionalProperties: false, required: ['csrf', 'confirm'], properties: { csrf, confirm: confirmed } } as const;

  app.post(
    `${ORGANIZATIONS_PATH}/:id/oem-token/rotate`,
    { schema: { summary: 'Console: rotate an OEM token (form)', params: idParams, body: confirmBody } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const organization = await organizations.get(request.params.id);
      const token = await organizations.rotateOemToken(organization.id);
      mspcAuth.invalidate({ topic: 'organization', id: organization.id });
      record(request, 'organization.oem_token_rotated', organization);
      return consolePage(
        services,
        request,
        reply,
        200,
        'New OEM token',
        html`<h1>New OEM token for ${organization.name}</h1><div class="card wide">
${secretField('oem-token', 'Organization OEM token', token)}
<p><strong>This is the only time the token is shown.</strong> Gatehouse keeps only its hash. Give it to the vendor: the previous token no longer works.</p>
<p><a href="${ORGANIZATIONS_PATH}/${organization.id}#oem-token">Back to the organization</a></p></div>`,
      );
    },
  );

  app.get(
    `${ORGANIZATIONS_PATH}/:id/oem-token/revoke`,
    { schema: { summary: 'Console: confirm revoking an OEM token', params: idParams } },
    async (request, reply) => {
      const organization = await organizations.get(request.params.id);
      const { vendor } = await vendors.get(organization.vendor_id);
      return confirmPage(services, request, reply, {
        title: `Revoke the OEM token of ${organization.name}?`,
        breaks: `The token stops working at once and no token replaces it: ${vendor.name}'s OEM API calls for this organization (${TOKEN_CALLS}) are refused until an operator issues a new one. Users keep signing in, and integrations and the Vendor API keep working.`,
        action: `${ORGANIZATIONS_PATH}/${organization.id}/oem-token/revoke`,
        button: 'Yes, revoke the OEM token',
        back: `${ORGANIZATIONS_PATH}/${organization.id}`,
      });
    },
  );

  app.post(
    `${ORGANIZATIONS_PATH}/:id/oem-token/revoke`,
    { schema: { summary: 'Console: revoke an OEM token (form)', params: idParams, body: confirmBody } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const organization = await organizations.get(request.params.id);
      await organizations.revokeOemToken(organization.id);
      mspcAuth.invalidate({ topic: 'organization', id: organization.id });
      record(request, 'organization.oem_token_revoked', organization);
      return reply.redirect(`${ORGANIZATIONS_PATH}/${organization.id}#oem-token`, 303);
    },
  );

  consoleOrganizationUserRoutes(app, services, page);
  consoleOrganizationIntegrationRoutes(app, services, page);
}
