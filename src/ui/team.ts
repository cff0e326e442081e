// The dashboard's Team section: everyone sees who is in the organization; owners and admins
// invite people, change roles and remove users. Gatehouse sends no mail: an invitation shows a
// one-time set-password link (valid GATEHOUSE_PASSWORD_LINK_TTL) for the inviter to pass on.
// Admins manage admins and members; only owners make, change or remove owners, and the last
// owner always stays (src/accounts/users.ts decides both, under a lock). Every POST checks the
// role on the server and carries the CSRF token.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, FromSchema } from '../http/route-types.ts';
import { checkCsrf } from '../accounts/csrf.ts';
import { adminRoleIn, organizationAdmin, type SignedInUser } from '../accounts/organization-admin.ts';
import type { CurrentSession } from '../accounts/sessions.ts';
import { USER_ROLES, type User } from '../accounts/users.ts';
import type { UserRole } from '../db/schema-oem.ts';
import { isEmail, EMAIL_MAX_LENGTH } from '../email.ts';
import { AppError, errors } from '../errors.ts';
import type { Services } from '../services.ts';
import { DASHBOARD_PATH, LOGIN_PATH } from '../http/paths.ts';
import { csrfField, sendPage } from './forms.ts';
import { html, when, type Markup } from './layout.ts';

const TEAM_PATH = `${DASHBOARD_PATH}/team`;

const csrf = { type: 'string', maxLength: 100 } as const;
const role = { type: 'string', enum: USER_ROLES } as const;
const name = { type: 'string', maxLength: 200 } as const;
const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } } as const;
const inviteBody = {
  type: 'object',
  additionalProperties: false,
  required: ['csrf', 'email', 'role'],
  // The address is checked in the handler, so a typing slip gets a page that says what to fix.
  properties: { csrf, email: { type: 'string', maxLength: EMAIL_MAX_LENGTH + 50 }, first_name: name, last_name: name, role },
} as const;
const roleBody = { type: 'object', additionalProperties: false, required: ['csrf', 'role'], properties: { csrf, role } } as const;
const removeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['csrf'],
  properties: { csrf, confirm: { type: 'string', enum: ['yes'] } },
} as const;
const csrfOnly = { type: 'object', additionalProperties: false, required: ['csrf'], properties: { csrf } } as const;

const displayName = (u: User) => [u.first_name, u.last_name].filter(Boolean).join(' ') || '-';

/** The roles `actor` may give, or change a user away from. */
const assignable = (actor: UserRole): readonly UserRole[] => (actor === 'owner' ? USER_ROLES : USER_ROLES.filter((r) => r !== 'owner'));

/** A DashboardSection: the organization's users, with the team controls for owners and admins. */
export async function teamSection(services: Services, request: FastifyRequest, reply: FastifyReply, session: CurrentSession): Promise<Markup> {
  const [users, myRole] = await Promise.all([
    services.organizations.users(session.organizationId),
    adminRoleIn(services.storage.db, session.organizationId, session.userId),
  ]);
  if (!myRole) {
    return html`
<h2 id="team">Team</h2>
<table id="team"><thead><tr><th>Name</th><th>Email</th><th>Role</th></tr></thead><tbody>
${users.map((u) => html`<tr><td>${displayName(u)}</td><td>${u.email}</td><td>${u.role}</td></tr>`)}
</tbody></table>`;
  }
  const token = csrfField(request, reply, services);
  const roles = assignable(myRole);
  const controls = (u: User) => {
    if (!roles.includes(u.role)) return html`<span class="muted">Only an owner can change an owner.</span>`;
    return html`<form class="inline" method="post" action="${TEAM_PATH}/${u.id}/role">${token}
<select name="role" aria-label="Role of ${u.email}">${roles.map((r) => html`<option value="${r}"${r === u.role ? html` selected` : ''}>${r}</option>`)}</select>
<button type="submit">Change role</button></form>
<form class="inline" method="post" action="${TEAM_PATH}/${u.id}/remove">${token}<button type="submit">Remove ${u.email}</button></form>
${u.password_hash ? '' : html`<form class="inline" method="post" action="${TEAM_PATH}/${u.id}/password-link">${token}<button type="submit">New set-password link</button></form>`}`;
  };
  return html`
<h2 id="team">Team</h2>
<table id="team"><thead><tr><th>Name</th><th>Email</th><th>Role</th><th></th></tr></thead><tbody>
${users.map((u) => html`<tr data-user-id="${u.id}"><td>${displayName(u)}</td><td>${u.email}</td><td>${u.role}</td><td>${controls(u)}</td></tr>`)}
</tbody></table>
<form class="card" id="invite" method="post" action="${TEAM_PATH}/invite">${token}
<h3>Invite someone</h3>
<label for="invite-email">Email address</label><input id="invite-email" name="email" type="email" required maxlength="${EMAIL_MAX_LENGTH}">
<label for="invite-first-name">First name</label><input id="invite-first-name" name="first_name" type="text" maxlength="200">
<label for="invite-last-name">Last name</label><input id="invite-last-name" name="last_name" type="text" maxlength="200">
<label for="invite-role">Role</label><select id="invite-role" name="role">${roles.map((r) => html`<option value="${r}"${r === 'member' ? html` selected` : ''}>${r}</option>`)}</select>
<p><button type="submit">Invite</button></p>
<p class="muted">Gatehouse sends no email: you get a one-time link to pass on.</p></form>`;
}

export function teamPages(app: App, services: Services) {
  const { users, passwordLinks, audit } = services;
  const config = { audience: 'page' as const };
  const back = html`<p><a href="${DASHBOARD_PATH}">Back to the dashboard</a></p>`;

  /** The signed-in owner or admin, with the form's CSRF token checked. */
  async function manager(request: FastifyRequest<{ Body: FromSchema<typeof csrfOnly> }>): Promise<SignedInUser> {
    const actor = await organizationAdmin(services, request, 'manage users');
    checkCsrf(request, request.body.csrf);
    return actor;
  }

  /** A user of the actor's own organization; any other id is as unknown as a missing one. */
  async function teammate(actor: SignedInUser, id: string): Promise<User> {
    const user = await users.find(id);
    if (!user || user.organization_id !== actor.organizationId) throw errors.NotFound('There is no such user in your organization.');
    return user;
  }

  /** A refusal the person can act on (taken email, last owner, owners only), on a page with a way back. */
  async function refusing<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T | FastifyReply> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof AppError) || ![403, 404, 409].includes(error.status)) throw error;
      return sendPage(reply, error.status, 'Not done', html`<h1>Not done</h1><div class="notice"><p>${error.message}</p>${back}</div>`);
    }
  }

  const record = (request: FastifyRequest, action: string, actor: SignedInUser, user: User, details: Record<string, unknown> = {}) =>
    audit.record({
      action,
      outcome: 'success',
      actor: actor.userId,
      ip: request.ip,
      details: { organization_id: actor.organizationId, user_id: user.id, via: 'dashboard', ...details },
    });

  /** A one-time set-password link for the user, audited as the signed-in user's doing. */
  const newLink = async (request: FastifyRequest, actor: SignedInUser, user: User) => {
    const link = await passwordLinks.create(user.id);
    audit.record({
      action: 'password_link.created',
      outcome: 'success',
      actor: actor.userId,
      ip: request.ip,
      details: { user_id: user.id, expires_at: link.expiresAt.toISOString(), via: 'dashboard' },
    });
    return link;
  };

  const linkPage = (reply: FastifyReply, title: string, user: User, link: { url: string; expiresAt: Date }) =>
    sendPage(
      reply,
      201,
      title,
      html`<h1>${title}</h1>
<div class="card"><p>Send this link to <strong>${user.email}</strong> yourself: Gatehouse sends no email. It works once, expires ${when(link.expiresAt)}, and lets them choose a password and sign in.</p>
<label for="password-link">Set-password link</label><input id="password-link" type="text" readonly value="${link.url}">
<p class="muted">It is shown only now. If it expires, use "New set-password link" on the dashboard.</p></div>${back}`,
    );

  app.post(
    `${TEAM_PATH}/invite`,
    {
      config,
      schema: { tags: ['pages'], summary: 'Invite a user: adds them and shows a one-time set-password link (owners and admins, form)', body: inviteBody },
    },
    async (request, reply) => {
      const actor = await manager(request);
      const input = request.body;
      if (!isEmail(input.email.trim())) {
        return sendPage(
          reply,
          400,
          'Not done',
          html`<h1>Not done</h1><div class="notice"><p>"${input.email}" is not an email address: enter one like name@example.com.</p>${back}</div>`,
        );
      }
      return refusing(reply, async () => {
        const user = await users.add(
          actor.organizationId,
          { email: input.email.trim(), firstName: input.first_name, lastName: input.last_name, role: input.role, emailVerified: false },
          actor,
        );
        record(request, 'user.added', actor, user, { role: user.role });
        const link = await newLink(request, actor, user);
        return linkPage(reply, 'Invitation link', user, link);
      });
    },
  );

  app.post(
    `${TEAM_PATH}/:id/role`,
    { config, schema: { tags: ['pages'], summary: "Change a user's role (owners and admins, form)", params, body: roleBody } },
    async (request, reply) => {
      const actor = await manager(request);
      return refusing(reply, async () => {
        const target = await teammate(actor, request.params.id);
        const { user, changed } = await users.update(target.id, { role: request.body.role }, actor);
        if (changed.length > 0) record(request, 'user.updated', actor, user, { changed, role: user.role });
        return reply.redirect(DASHBOARD_PATH, 303);
      });
    },
  );

  app.post(
    `${TEAM_PATH}/:id/remove`,
    { config, schema: { tags: ['pages'], summary: 'Remove a user, after a confirmation page (owners and admins, form)', params, body: removeBody } },
    async (request, reply) => {
      const actor = await manager(request);
      const { confirm } = request.body;
      return refusing(reply, async () => {
        const target = await teammate(actor, request.params.id);
        if (confirm !== 'yes') {
          return sendPage(
            reply,
            200,
            'Remove user?',
            html`<h1>Remove ${target.email}?</h1>
<div class="notice"><p>${target.email} (${target.role}) leaves the organization: their sessions end and every app they authorised loses access at once.</p>
<form method="post" action="${TEAM_PATH}/${target.id}/remove">${csrfField(request, reply, services)}<input type="hidden" name="confirm" value="yes">
<button type="submit">Yes, remove ${target.email}</button></form>${back}</div>`,
          );
        }
        const user = await users.remove(target.id, actor);
        record(request, 'user.removed', actor, user);
        // Removing oneself ends one's own session with the row.
        return reply.redirect(user.id === actor.userId ? LOGIN_PATH : DASHBOARD_PATH, 303);
      });
    },
  );

  app.post(
    `${TEAM_PATH}/:id/password-link`,
    { config, schema: { tags: ['pages'], summary: 'A new one-time set-password link for a user (owners and admins, form)', params, body: csrfOnly } },
    async (request, reply) => {
      const actor = await manager(request);
      return refusing(reply, async () => {
        const user = await teammate(actor, request.params.id);
        if (actor.role === 'admin' && user.role === 'owner') throw errors.Forbidden('only an owner can make, change or remove an owner');
        // A link sets a password, so one for an account that has a password would take it over.
        if (user.password_hash) throw errors.Conflict(`${user.email} already has a password; they can change it on their dashboard.`);
        const link = await newLink(request, actor, user);
        return linkPage(reply, 'Set-password link', user, link);
      });
    },
  );
}
