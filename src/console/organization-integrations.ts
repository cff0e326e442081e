// The integrations of an organization in the console, through the Integrations service the admin
// API calls: their status, kind and live partner API keys; rotate an external integration's
// partner API key with an overlap (the new key shown once); disable (after a page that says what
// stops) and enable. Each change clears the Vendor API's key cache on every instance.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkCsrf } from '../accounts/csrf.ts';
import { errors } from '../errors.ts';
import { CONSOLE_PATH } from '../http/paths.ts';
import type { App } from '../http/route-types.ts';
import type { IntegrationWithVendor } from '../integrations/integrations.ts';
import type { Organization } from '../organizations/organizations.ts';
import type { Services } from '../services.ts';
import { csrfField } from '../ui/forms.ts';
import { html, when, type Markup } from '../ui/layout.ts';
import type { OrganizationPage } from './organization-users.ts';
import { ORGANIZATIONS_PATH } from './organizations.ts';
import { confirmed, confirmPage, consolePage, csrf, invalid, problemBanner, problemOf, secretField, session, type Problem } from './view.ts';

const MAX_OVERLAP = 7_776_000; // the admin API's bound: 90 days

const integrationParams = {
  type: 'object',
  required: ['id', 'integrationId'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 }, integrationId: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

const integrationPath = (i: { organization_id: string; id: string }) => `${ORGANIZATIONS_PATH}/${i.organization_id}/integrations/${i.id}`;

/** The Integrations section of an organization's page. */
export async function integrationsSection(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  organization: Organization,
  problem: Problem | undefined,
): Promise<Markup> {
  const list = await services.integrations.listForOrganization(organization.id);
  const keys = await Promise.all(list.map((i) => (i.kind === 'external' ? services.integrations.partnerKeys(i.id) : Promise.resolve([]))));
  const token = csrfField(request, reply, services);
  const row = (i: IntegrationWithVendor, index: number) => {
    const overlap = `overlap-${i.id}`;
    return html`<tr data-integration-id="${i.id}"><td><a href="${CONSOLE_PATH}/vendors/${i.vendor_id}">${i.vendor_name}</a></td><td>${i.kind}</td>
<td>${i.status}${i.disabled_at ? html` · <strong>disabled</strong> since ${when(i.disabled_at)}` : ''}</td>
<td>${i.kind === 'external' ? keys[index]!.length : html`<span class="muted">holds credentials</span>`}</td><td>${when(i.last_used_at)}</td>
<td>${
      i.kind === 'external'
        ? html`<form class="inline" method="post" action="${integrationPath(i)}/rotate-partner-key">${token}
<label for="${overlap}">Seconds the current key keeps working</label>
<input id="${overlap}" name="overlap_seconds" type="text" inputmode="numeric" size="8" value="${services.config.keyOverlap}"${invalid(problem, overlap)}>
<button type="submit">Rotate the partner key</button></form>`
        : ''
    }
${
  i.disabled_at
    ? html`<form class="inline" method="post" action="${integrationPath(i)}/enable">${token}<button type="submit">Enable</button></form>`
    : html`<a href="${integrationPath(i)}/disable">Disable</a>`
}</td></tr>`;
  };
  return html`<h2 id="integrations">Integrations</h2>${problem?.field?.startsWith('overlap-') || problem?.field === 'integration' ? problemBanner(problem) : ''}
<table id="integration-list"><thead><tr><th>Vendor</th><th>Kind</th><th>Status</th><th>Live partner keys</th><th>Last used</th><th></th></tr></thead><tbody>
${list.map(row)}</tbody></table>${list.length === 0 ? html`<p class="muted">No integrations yet: the vendor creates them through the OEM API.</p>` : ''}`;
}

export function consoleOrganizationIntegrationRoutes(app: App, services: Services, organizationPage: OrganizationPage) {
  const { integrations, audit, config, mspcAuth } = services;
  const record = (request: FastifyRequest, action: string, i: IntegrationWithVendor, details: Record<string, unknown> = {}) =>
    audit.record({
      action,
      outcome: 'success',
      actor: session(request).actor,
      ip: request.ip,
      details: { integration_id: i.id, organization_id: i.organization_id, vendor_id: i.vendor_id, via: 'console', ...details },
    });

  /** An integration of this organization; any other id is as unknown as a missing one. */
  async function ofOrganization(organizationId: string, integrationId: string): Promise<IntegrationWithVendor> {
    const integration = await integrations.get(integrationId);
    if (integration.organization_id !== organizationId) throw errors.NotFound('integration', integrationId);
    return integration;
  }

  app.post(
    `${ORGANIZATIONS_PATH}/:id/integrations/:integrationId/rotate-partner-key`,
    {
      schema: {
        summary: 'Console: rotate a partner API key (form)',
        params: integrationParams,
        body: { type: 'object', additionalProperties: false, required: ['csrf'], properties: { csrf, overlap_seconds: { type: 'string', maxLength: 20 } } },
      },
    },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const integration = await ofOrganization(request.params.id, request.params.integrationId);
      const raw = request.body.overlap_seconds?.trim() ?? '';
      if (raw !== '' && (!/^\d+$/.test(raw) || Number(raw) > MAX_OVERLAP)) {
        const message = `Overlap: a whole number of seconds from 0 to ${MAX_OVERLAP} (90 days).`;
        return organizationPage(request, reply, integration.organization_id, { problem: { status: 400, field: `overlap-${integration.id}`, message } });
      }
      const overlap = raw === '' ? config.keyOverlap : Number(raw);
      let rotated;
      try {
        rotated = await integrations.rotatePartnerKey(integration.id, overlap);
      } catch (error) {
        return organizationPage(request, reply, integration.organization_id, { problem: { ...problemOf(error, []), field: 'integration' } });
      }
      mspcAuth.invalidate({ topic: 'integration', id: integration.id });
      record(request, 'integration.partner_key_rotated', integration, { overlap_seconds: overlap });
      return consolePage(
        services,
        request,
        reply,
        200,
        'New partner API key',
        html`<h1>New partner API key for ${integration.vendor_name}</h1><div class="card wide">
${secretField('partner-api-key', 'Partner API key', rotated.partnerApiKey)}
<p><strong>This is the only time the key is shown.</strong> Gatehouse keeps only its hash. The vendor calls the Vendor API with it
(the MSPC_TOKEN is its Vendor API key and this key). ${
          overlap === 0
            ? 'The previous key stopped working now.'
            : html`The previous key keeps working until ${when(rotated.previousExpiresAt)} (<span id="previous-expires">${rotated.previousExpiresAt.toISOString()}</span>).`
        }</p>
<p><a href="${ORGANIZATIONS_PATH}/${integration.organization_id}#integrations">Back to the organization</a></p></div>`,
      );
    },
  );

  app.get(
    `${ORGANIZATIONS_PATH}/:id/integrations/:integrationId/disable`,
    { schema: { summary: 'Console: confirm disabling an integration', params: integrationParams } },
    async (request, reply) => {
      const integration = await ofOrganization(request.params.id, request.params.integrationId);
      return confirmPage(services, request, reply, {
        title: `Disable the ${integration.vendor_name} integration?`,
        breaks: `${integration.vendor_name}'s Vendor API calls for this organization are refused (403) at once, whichever partner key they carry. Nothing is deleted: enabling the integration again restores them with the same keys.`,
        action: `${integrationPath(integration)}/disable`,
        button: 'Yes, disable the integration',
        back: `${ORGANIZATIONS_PATH}/${integration.organization_id}#integrations`,
      });
    },
  );

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `${ORGANIZATIONS_PATH}/:id/integrations/:integrationId/${action}`,
      {
        schema: {
          summary: `Console: ${action} an integration (form)`,
          params: integrationParams,
          body: { type: 'object', additionalProperties: false, required: ['csrf'], properties: { csrf, confirm: confirmed } },
        },
      },
      async (request, reply) => {
        checkCsrf(request, request.body.csrf);
        const integration = await ofOrganization(request.params.id, request.params.integrationId);
        // Disabling goes through the page that says what stops.
        if (disabled && request.body.confirm !== 'yes') return reply.redirect(`${integrationPath(integration)}/disable`, 303);
        await integrations.setDisabled(integration.id, disabled);
        mspcAuth.invalidate({ topic: 'integration', id: integration.id });
        record(request, `integration.${disabled ? 'disabled' : 'enabled'}`, integration);
        return reply.redirect(`${ORGANIZATIONS_PATH}/${integration.organization_id}#integrations`, 303);
      },
    );
  }
}
