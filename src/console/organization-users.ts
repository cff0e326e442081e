// The users of an organization in the console, through the OrganizationUsers service the admin
// API calls: invite (add the user, then show a one-time set-password link to pass on: Gatehouse
// sends no mail), change a role, remove (after a page that says what ends), a new set-password
// link and a one-time login link into the user's dashboard, each link shown once. The last owner
// is offered neither a demotion nor removal; the service refuses both anyway, under its lock.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkCsrf } from '../accounts/csrf.ts';
import { USER_ROLES, type User } from '../accounts/users.ts';
import { EMAIL_MAX_LENGTH, isEmail } from '../email.ts';
import { errors } from '../errors.ts';
import type { App } from '../http/route-types.ts';
import type { Organization } from '../organizations/organizations.ts';
import type { Services } from '../services.ts';
import { csrfField } from '../ui/forms.ts';
import { html, when, type Markup } from '../ui/layout.ts';
import { ORGANIZATIONS_PATH } from './organizations.ts';
import {
  confirmed,
  confirmPage,
  consolePage,
  csrf,
  invalid,
  nextLink,
  PAGE_SIZE,
  problemBanner,
  problemOf,
  secretField,
  session,
  type Problem,
} from './view.ts';

/** What the invite form showed, to fill it again after a refusal. */
export interface Invite {
  email: string;
  first_name?: string;
  last_name?: string;
  role: string;
}

/** Renders the organization's page again, with a problem for one of its forms (src/console/organization.ts). */
export type OrganizationPage = (
  request: FastifyRequest,
  reply: FastifyReply,
  id: string,
  options?: { problem?: Problem; invite?: Invite; usersAfter?: string },
) => Promise<FastifyReply>;

const text = (max: number) => ({ type: 'string', maxLength: max }) as const;
const role = { type: 'string', enum: USER_ROLES } as const;
const userParams = {
  type: 'object',
  required: ['id', 'userId'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 }, userId: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;
const csrfOnly = { type: 'object', additionalProperties: false, required: ['csrf'], properties: { csrf } } as const;

const displayName = (u: User) => [u.first_name, u.last_name].filter(Boolean).join(' ') || '-';
const usersPath = (organizationId: string) => `${ORGANIZATIONS_PATH}/${organizationId}/users`;

/** The Users section of an organization's page: a page of users by id, their controls, the invite form. */
export async function usersSection(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  organization: Organization,
  options: { problem?: Problem; invite?: Invite; after?: string },
): Promise<Markup> {
  const { problem, invite } = options;
  const [rows, owners] = await Promise.all([
    services.users.list(organization.id, { after: options.after, limit: PAGE_SIZE + 1 }),
    services.users.owners(organization.id),
  ]);
  const shown = rows.slice(0, PAGE_SIZE);
  const token = csrfField(request, reply, services);
  const base = usersPath(organization.id);
  const controls = (u: User) => {
    const lastOwner = u.role === 'owner' && owners <= 1;
    const field = `user-${u.id}`;
    return html`${
      lastOwner
        ? html`<span class="muted">The only owner: make another user an owner before changing or removing this one.</span>`
        : html`<form class="inline" method="post" action="${base}/${u.id}/role">${token}
<select name="role" aria-label="Role of ${u.email}"${invalid(problem, field)}>${USER_ROLES.map((r) => html`<option value="${r}"${r === u.role ? ' selected' : ''}>${r}</option>`)}</select>
<button type="submit">Change role</button></form> <a href="${base}/${u.id}/remove">Remove</a>`
    }
<form class="inline" method="post" action="${base}/${u.id}/password-link">${token}<button type="submit">Set-password link</button></form>
<form class="inline" method="post" action="${base}/${u.id}/login-link">${token}<button type="submit">One-time login link</button></form>`;
  };
  return html`<h2 id="users">Users</h2>
${problem?.field?.startsWith('user-') ? problemBanner(problem) : ''}
<table id="user-list"><thead><tr><th>Name</th><th>Email</th><th>Role</th><th>Password</th><th>Last sign-in</th><th></th></tr></thead><tbody>
${shown.map(
  (
    u,
  ) => html`<tr data-user-id="${u.id}"${problem?.field === `user-${u.id}` ? html` class="field-error"` : ''}><td>${displayName(u)}</td><td>${u.email}</td><td>${u.role}</td><td>${u.password_hash ? 'set' : 'not yet'}</td>
<td>${when(u.last_login_at)}</td><td>${controls(u)}</td></tr>`,
)}</tbody></table>${shown.length === 0 ? html`<p class="muted">No users.</p>` : ''}
${nextLink(`${ORGANIZATIONS_PATH}/${organization.id}`, {}, 'users_after', rows.length > PAGE_SIZE ? shown.at(-1)!.id : undefined)}
<form class="card" id="invite" method="post" action="${base}">${token}<h3>Invite someone</h3>${problem?.field === 'email' || problem?.field === 'invite' ? problemBanner(problem) : ''}
<label for="invite-email">Email address</label><input id="invite-email" name="email" type="email" required maxlength="${EMAIL_MAX_LENGTH}" value="${invite?.email ?? ''}"${invalid(problem, 'email')}>
<label for="invite-first-name">First name</label><input id="invite-first-name" name="first_name" type="text" maxlength="200" value="${invite?.first_name ?? ''}">
<label for="invite-last-name">Last name</label><input id="invite-last-name" name="last_name" type="text" maxlength="200" value="${invite?.last_name ?? ''}">
<label for="invite-role">Role</label><select id="invite-role" name="role">${USER_ROLES.map((r) => html`<option value="${r}"${r === (invite?.role ?? 'member') ? ' selected' : ''}>${r}</option>`)}</select>
<p><button type="submit">Invite</button></p>
<p class="muted">Gatehouse sends no email: you get a one-time set-password link to pass on.</p></form>`;
}

export function consoleOrganizationUserRoutes(app: App, services: Services, organizationPage: OrganizationPage) {
  const { organizations, users, passwordLinks, loginLinks, vendors, audit, config } = services;
  const record = (request: FastifyRequest, action: string, user: User, details: Record<string, unknown> = {}) =>
    audit.record({
      action,
      outcome: 'success',
      actor: session(request).actor,
      ip: request.ip,
      details: { user_id: user.id, organization_id: user.organization_id, via: 'console', ...details },
    });

  /** A user of this organization; any other id is as unknown as a missing one. */
  async function member(organizationId: string, userId: string): Promise<{ organization: Organization; user: User }> {
    const organization = await organizations.get(organizationId);
    const user = await users.find(userId);
    if (!user || user.organization_id !== organization.id) throw errors.NotFound('user', userId);
    return { organization, user };
  }

  const linkPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    { title, label }: { title: string; label: 'Set-password link' | 'One-time login link' },
    user: User,
    link: { url: string; expiresAt: Date },
    about: Markup,
  ) =>
    consolePage(
      services,
      request,
      reply,
      201,
      title,
      html`<h1>${title}</h1><div class="card wide">${secretField('one-time-link', label, link.url)}
<p>${about} It works once, until ${when(link.expiresAt)}.</p>
<p><strong>This is the only time the link is shown.</strong> Gatehouse keeps only its hash and sends no email: pass it on to ${user.email} yourself.</p>
<p><a href="${ORGANIZATIONS_PATH}/${user.organization_id}">Back to the organization</a></p></div>`,
    );

  const newPasswordLink = async (request: FastifyRequest, user: User) => {
    const link = await passwordLinks.create(user.id);
    audit.record({
      action: 'password_link.created',
      outcome: 'success',
      actor: session(request).actor,
      ip: request.ip,
      details: { user_id: user.id, organization_id: user.organization_id, expires_at: link.expiresAt.toISOString(), via: 'console' },
    });
    return link;
  };

  app.post(
    `${ORGANIZATIONS_PATH}/:id/users`,
    {
      schema: {
        summary: 'Console: invite a user (form); shows a one-time set-password link',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } },
        // The address is checked in the handler, so a slip gets the page back with the field marked.
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['csrf', 'email', 'role'],
          properties: { csrf, email: text(EMAIL_MAX_LENGTH + 50), first_name: text(200), last_name: text(200), role },
        },
      },
    },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { id } = request.params;
      const invite = request.body;
      const email = invite.email.trim();
      if (!isEmail(email)) {
        const message = `Email address: "${invite.email}" is not an email address; enter one like name@example.com.`;
        return organizationPage(request, reply, id, { problem: { status: 400, field: 'email', message }, invite });
      }
      const organization = await organizations.get(id);
      let user: User;
      try {
        // An operator vouches for the address, as through the admin API.
        user = await users.add(organization.id, { email, firstName: invite.first_name, lastName: invite.last_name, role: invite.role, emailVerified: true });
      } catch (error) {
        // The one unique detail the form sets is the address.
        const problem = problemOf(error, []);
        const taken = problem.status === 409;
        return organizationPage(request, reply, id, {
          problem: taken
            ? { ...problem, field: 'email', message: `Email address: ${problem.message.replace(/^./, (c) => c.toLowerCase())}` }
            : { ...problem, field: 'invite' },
          invite,
        });
      }
      record(request, 'user.added', user, { role: user.role });
      const link = await newPasswordLink(request, user);
      return linkPage(
        request,
        reply,
        { title: `Invitation link for ${user.email}`, label: 'Set-password link' },
        user,
        link,
        html`${user.email} is now a ${user.role} of ${organization.name}. Opening the link lets them choose a password and sign in.`,
      );
    },
  );

  app.post(
    `${ORGANIZATIONS_PATH}/:id/users/:userId/role`,
    {
      schema: {
        summary: "Console: change a user's role (form)",
        params: userParams,
        body: { type: 'object', additionalProperties: false, required: ['csrf', 'role'], properties: { csrf, role } },
      },
    },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { id, userId } = request.params;
      const { user: before } = await member(id, userId);
      try {
        const { user, changed } = await users.update(before.id, { role: request.body.role });
        if (changed.length > 0) record(request, 'user.updated', user, { changed, role: user.role });
      } catch (error) {
        const problem = problemOf(error, []);
        return organizationPage(request, reply, id, { problem: { ...problem, field: `user-${before.id}`, message: `${before.email}: ${problem.message}` } });
      }
      return reply.redirect(`${ORGANIZATIONS_PATH}/${id}#users`, 303);
    },
  );

  app.get(
    `${ORGANIZATIONS_PATH}/:id/users/:userId/remove`,
    { schema: { summary: 'Console: confirm removing a user', params: userParams } },
    async (request, reply) => {
      const { organization, user } = await member(request.params.id, request.params.userId);
      return confirmPage(services, request, reply, {
        title: `Remove ${user.email} from ${organization.name}?`,
        breaks: html`${user.email} (${user.role}) leaves the organization for good: their browser sessions end at once, every token issued to them
(access and refresh tokens) stops working, every app they authorised loses access, and their unused login and set-password links no longer
open. Adding the address again makes a new account with no password.`,
        action: `${usersPath(organization.id)}/${user.id}/remove`,
        button: `Yes, remove ${user.email}`,
        back: `${ORGANIZATIONS_PATH}/${organization.id}`,
      });
    },
  );

  app.post(
    `${ORGANIZATIONS_PATH}/:id/users/:userId/remove`,
    {
      schema: {
        summary: 'Console: remove a user (form)',
        params: userParams,
        body: { type: 'object', additionalProperties: false, required: ['csrf', 'confirm'], properties: { csrf, confirm: confirmed } },
      },
    },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { id, userId } = request.params;
      const { user: target } = await member(id, userId);
      let user: User;
      try {
        user = await users.remove(target.id);
      } catch (error) {
        const problem = problemOf(error, []);
        return organizationPage(request, reply, id, { problem: { ...problem, field: `user-${target.id}`, message: `${target.email}: ${problem.message}` } });
      }
      record(request, 'user.removed', user);
      return reply.redirect(`${ORGANIZATIONS_PATH}/${id}#users`, 303);
    },
  );

  app.post(
    `${ORGANIZATIONS_PATH}/:id/users/:userId/password-link`,
    { schema: { summary: 'Console: a one-time set-password link for a user (form)', params: userParams, body: csrfOnly } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { user } = await member(request.params.id, request.params.userId);
      const link = await newPasswordLink(request, user);
      const about = user.password_hash
        ? html`${user.email} already has a password: opening the link lets them choose a new one, which ends their sessions.`
        : html`Opening it lets ${user.email} choose a password and sign in.`;
      return linkPage(request, reply, { title: `Set-password link for ${user.email}`, label: 'Set-password link' }, user, link, about);
    },
  );

  app.post(
    `${ORGANIZATIONS_PATH}/:id/users/:userId/login-link`,
    { schema: { summary: "Console: a one-time login link into a user's dashboard (form)", params: userParams, body: csrfOnly } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { organization, user } = await member(request.params.id, request.params.userId);
      const { vendor } = await vendors.get(organization.vendor_id);
      if (vendor.disabled_at) {
        const message = `${user.email}: the organization's vendor ${vendor.name} is disabled, so a login link would not open. Enable the vendor first.`;
        return organizationPage(request, reply, organization.id, { problem: { status: 409, field: `user-${user.id}`, message } });
      }
      const link = await loginLinks.createAnnounced(user);
      record(request, 'login_link.created', user, { expires_at: link.expiresAt.toISOString() });
      const minutes = Math.round(config.loginLinkTtl / 60);
      return linkPage(
        request,
        reply,
        { title: `One-time login link for ${user.email}`, label: 'One-time login link' },
        user,
        link,
        html`Whoever opens it is signed in as ${user.email} to the dashboard of ${organization.name}, so hand it only to them (it lasts ${minutes > 0 ? `${minutes} minutes` : `${config.loginLinkTtl} seconds`}).`,
      );
    },
  );
}
