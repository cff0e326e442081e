// The head of the console pages about one part of an organization (its webhooks, its
// connections): the way back to the organization's page, and across to its other parts.
import { CONSOLE_PATH } from '../http/paths.ts';
import type { Organization } from '../organizations/organizations.ts';
import { html, type Markup } from '../ui/layout.ts';

// Ids are Gatehouse's own (hex); the route patterns are built with the same functions (':id').
export const organizationPath = (id: string) => `${CONSOLE_PATH}/organizations/${id}`;
export const webhooksPath = (organizationId: string) => `${organizationPath(organizationId)}/webhooks`;
export const webhookPath = (organizationId: string, subscriptionId: string) => `${webhooksPath(organizationId)}/${subscriptionId}`;
export const connectionsPath = (organizationId: string) => `${organizationPath(organizationId)}/connections`;

/** The organization, linked, with its webhooks and connections beside it; then the page's title. */
export function organizationHeader(organization: Organization, title: string): Markup {
  return html`<p id="organization-links"><a href="${organizationPath(organization.id)}">Organization ${organization.name}</a> ·
<a href="${webhooksPath(organization.id)}">Webhooks</a> · <a href="${connectionsPath(organization.id)}">Connections</a></p>
<h1>${title}</h1>`;
}
