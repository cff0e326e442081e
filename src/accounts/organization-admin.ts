// Who manages an organization from the browser: its owners and admins. Members see the dashboard
// but every route that changes webhooks, connections or users refuses them (403), whatever the
// page showed. The one place that decides it.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { UserRole } from '../db/schema-oem.ts';
import { errors } from '../errors.ts';
import type { BrowserSessions } from './sessions.ts';
import { roleIn } from './users.ts';

/** What the checks read (the services object fits). */
export interface AdminCheckDeps {
  browserSessions: BrowserSessions;
  storage: { db: Kysely<Database> };
}

export interface SignedInUser {
  organizationId: string;
  userId: string;
  role: UserRole;
}

export function managesOrganization(role: UserRole | undefined): boolean {
  return role === 'owner' || role === 'admin';
}

/** The user's role when it lets them manage the organization (owner or admin); undefined otherwise. */
export async function adminRoleIn(db: Kysely<Database>, organizationId: string, userId: string): Promise<UserRole | undefined> {
  const role = await roleIn(db, organizationId, userId);
  return managesOrganization(role) ? role : undefined;
}

/** The signed-in user and their role: 401 without a live session. */
async function signedInUser(deps: AdminCheckDeps, request: FastifyRequest): Promise<SignedInUser> {
  const session = await deps.browserSessions.current(request);
  const role = session && (await roleIn(deps.storage.db, session.organizationId, session.userId));
  if (!session || !role) throw errors.Unauthorized('You are not signed in, or your session has ended.');
  return { organizationId: session.organizationId, userId: session.userId, role };
}

/** The signed-in owner or admin: 401 without a session, 403 for a member (`doing` says what was refused). */
export async function organizationAdmin(deps: AdminCheckDeps, request: FastifyRequest, doing: string): Promise<SignedInUser> {
  const user = await signedInUser(deps, request);
  if (!managesOrganization(user.role)) throw errors.Forbidden(`Only organization owners and admins ${doing}.`);
  return user;
}
