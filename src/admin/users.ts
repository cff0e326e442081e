// Admin API: the people of an organization. List (paged by id) and add under the organization;
// read, change (names, role) and remove by user id; a one-time link to set a password (users
// added by the OEM API or invited have none). An organization keeps at least one owner (409).
import { USER_ROLES, type User } from '../accounts/users.ts';
import { emailProperty } from '../email.ts';
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { adminError, idParam } from './schemas.ts';

export function userView(u: User) {
  return {
    user_id: u.id,
    organization_id: u.organization_id,
    email: u.email,
    first_name: u.first_name,
    last_name: u.last_name,
    vendor_user_id: u.vendor_user_id,
    role: u.role,
    has_password: u.password_hash !== null,
    last_login_at: u.last_login_at?.toISOString() ?? null,
    created_at: u.created_at.toISOString(),
    updated_at: u.updated_at.toISOString(),
  };
}

const nullableStr = { type: ['string', 'null'] };
const role = { type: 'string', enum: USER_ROLES } as const;
const name = { type: 'string', maxLength: 200 } as const;

export const userSchema = {
  type: 'object',
  properties: {
    user_id: { type: 'string' },
    organization_id: { type: 'string' },
    email: { type: 'string' },
    first_name: nullableStr,
    last_name: nullableStr,
    vendor_user_id: nullableStr,
    role,
    has_password: { type: 'boolean' },
    last_login_at: nullableStr,
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
};

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'first_name', 'last_name', 'role'],
  properties: {
    email: emailProperty,
    first_name: name,
    last_name: name,
    role,
    vendor_user_id: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
  },
} as const;

const patchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { first_name: { type: ['string', 'null'], maxLength: 200 }, last_name: { type: ['string', 'null'], maxLength: 200 }, role },
} as const;

const page = {
  type: 'object',
  additionalProperties: false,
  properties: { after: { type: 'string', maxLength: 200 }, limit: { type: 'integer', minimum: 1, maximum: 1000 } },
} as const;

const link = {
  type: 'object',
  properties: { user_id: { type: 'string' }, url: { type: 'string' }, expires_at: { type: 'string' } },
};

export function adminUserRoutes(app: App, { organizations, users, passwordLinks, audit }: Services) {
  const tags = ['admin: users'];
  const errors = { '4xx': adminError };
  const record = (action: string, ip: string, user: User, details: Record<string, unknown> = {}) =>
    audit.record({ action, outcome: 'success', actor: 'admin', ip, details: { user_id: user.id, organization_id: user.organization_id, ...details } });

  app.get(
    '/organizations/:id/users',
    {
      schema: {
        tags,
        summary: "List an organization's users (by id; page with after=<last user_id>)",
        params: idParam,
        querystring: page,
        response: { 200: { type: 'object', properties: { users: { type: 'array', items: userSchema } } }, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      await organizations.get(id);
      return { users: (await users.list(id, request.query)).map(userView) };
    },
  );

  app.post(
    '/organizations/:id/users',
    {
      schema: {
        tags,
        summary: 'Add a user to an organization (409 when the email or vendor_user_id is taken there)',
        params: idParam,
        body: createBody,
        response: { 201: userSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const input = request.body;
      await organizations.get(id);
      const user = await users.add(id, {
        email: input.email,
        firstName: input.first_name,
        lastName: input.last_name,
        vendorUserId: input.vendor_user_id,
        role: input.role,
        emailVerified: true,
      });
      record('user.added', request.ip, user, { role: user.role });
      return reply.status(201).send(userView(user));
    },
  );

  app.get('/users/:id', { schema: { tags, summary: 'Get a user', params: idParam, response: { 200: userSchema, ...errors } } }, async (request) =>
    userView(await users.get(request.params.id)),
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        tags,
        summary: "Change a user's names or role (409 when it would leave the organization without an owner)",
        params: idParam,
        body: patchBody,
        response: { 200: userSchema, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const input = request.body;
      const { user, changed } = await users.update(id, { firstName: input.first_name, lastName: input.last_name, role: input.role });
      if (changed.length > 0) record('user.updated', request.ip, user, { changed, role: user.role });
      return userView(user);
    },
  );

  app.post(
    '/users/:id/password-link',
    {
      schema: { tags, summary: 'Create a one-time link for the user to set a password (shown once)', params: idParam, response: { 201: link, ...errors } },
    },
    async (request, reply) => {
      const { id } = request.params;
      await users.get(id);
      const created = await passwordLinks.create(id);
      audit.record({
        action: 'password_link.created',
        outcome: 'success',
        actor: 'admin',
        ip: request.ip,
        details: { user_id: id, expires_at: created.expiresAt.toISOString() },
      });
      return reply.status(201).send({ user_id: id, url: created.url, expires_at: created.expiresAt.toISOString() });
    },
  );

  app.delete(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Remove a user: their sessions end and every token issued to them stops working (409 for the last owner)',
        params: idParam,
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (request, reply) => {
      const user = await users.remove(request.params.id);
      record('user.removed', request.ip, user);
      return reply.status(204).send();
    },
  );
}
