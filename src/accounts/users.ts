// The people of an organization: added by the vendor (OEM API), an operator (admin API) or an
// organization owner or admin (dashboard); their names and role changed; removed. Every change
// writes its event (user.added, user.updated, user.removed) in the same transaction.
//
// An organization always keeps at least one owner. Changes that could take the last one away
// lock the organization's row first (SELECT ... FOR UPDATE), so two requests demoting or
// removing the last two owners at once queue on that lock and the second sees the first's result.
// Removing a user revokes their grants in the same transaction (the JWTs reach the deny-list
// before the grants go with the row), then sessions, links, consents and opaque tokens go by
// cascade: everything issued to them stops working at once.
import { sql, type Insertable, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import { uniqueViolation } from '../db/errors.ts';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/schema.ts';
import type { UserRole, UsersTable } from '../db/schema-oem.ts';
import { normalizeEmail } from '../email.ts';
import { errors } from '../errors.ts';
import { emit } from '../events/outbox.ts';
import type { Authorizations } from '../oauth/authorizations.ts';

export type User = Selectable<UsersTable>;

export const USER_ROLES: readonly UserRole[] = ['owner', 'admin', 'member'];

export interface NewUser {
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  vendorUserId?: string | null;
  role: UserRole;
  /**
   * The vendor (OEM API) and operators (admin API) vouch for the address; a person invited from
   * the dashboard proves it by using the set-password link made for it.
   */
  emailVerified: boolean;
}

export interface UserChanges {
  firstName?: string | null;
  lastName?: string | null;
  role?: UserRole;
}

/**
 * Who asks for a change, when it is someone of the organization: an admin manages admins and
 * members but may not make, change or remove an owner. Operators and vendors pass nothing.
 */
export interface Actor {
  role: UserRole;
}

// The unique constraint that fired says which detail is taken (migration 002).
const TAKEN: Record<string, string> = {
  users_org_email: 'a user with this email is already in the organization',
  users_org_vendor_user_id: 'a user with this vendorUserId is already in the organization',
};

/** The `data` of user.added, for an added user and for the owner of a new organization alike. */
export function userAddedData(user: User) {
  return {
    organizationId: user.organization_id,
    userId: user.id,
    email: user.email,
    role: user.role,
    firstName: user.first_name,
    lastName: user.last_name,
    vendorUserId: user.vendor_user_id,
  };
}

// The queries on `users` that other modules need: this module owns the table (test/table-owners.test.ts).
// Each takes the handle or transaction to run in, so a caller's transaction carries through.

/**
 * For a larger statement (db/spend-statement.ts): the id, email and current credential version
 * of the users `ids` (a subquery) names, read in that statement's snapshot.
 */
export function usersNamed(ids: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`select id, email, credential_version from users where id in (${ids})`;
}

export function findUser(db: Kysely<Database>, id: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The role of a user in an organization (undefined once they are gone). */
export async function roleIn(db: Kysely<Database>, organizationId: string, userId: string): Promise<UserRole | undefined> {
  const row = await db.selectFrom('users').select('role').where('id', '=', userId).where('organization_id', '=', organizationId).executeTakeFirst();
  return row?.role;
}

async function countUsers(db: Kysely<Database>, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Every user of the organization: owners first, then admins, then members, oldest first. */
export function usersByRole(db: Kysely<Database>, organizationId: string): Promise<User[]> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy(sql`case role when 'owner' then 0 when 'admin' then 1 else 2 end`)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/**
 * The organizations with a user of this address (normalised), as a subquery for the console's
 * organization search: one statement, and the query on `users` stays in this module.
 */
export function organizationsWithEmail(db: Kysely<Database>, email: string) {
  return db.selectFrom('users').select('organization_id').where('email', '=', normalizeEmail(email));
}

/** The user a login link is for: the one with `vendorUserId`, else the owner. */
export function loginLinkUser(db: Kysely<Database>, organizationId: string, vendorUserId?: string): Promise<User | undefined> {
  let query = db.selectFrom('users').selectAll().where('organization_id', '=', organizationId);
  query = vendorUserId === undefined ? query.where('role', '=', 'owner') : query.where('vendor_user_id', '=', vendorUserId);
  return query.orderBy('created_at').executeTakeFirst();
}

/** Store a user as given (names already trimmed, email normalised); the caller emits user.added. */
export function insertUser(db: Kysely<Database>, values: Omit<Insertable<UsersTable>, 'id'>): Promise<User> {
  return db
    .insertInto('users')
    .values({ id: newId(), ...values })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The users of one email address that have a password, the most recently signed-in first. */
export function signInCandidates(db: Kysely<Database>, email: string): Promise<User[]> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('email', '=', email)
    .where('password_hash', 'is not', null)
    .orderBy('last_login_at', (ob) => ob.desc().nullsLast())
    .orderBy('created_at')
    .limit(10)
    .execute();
}

/** Note a sign-in; `first` when the user had never signed in before. */
export async function recordSignIn(db: Kysely<Database>, id: string, at: Date): Promise<{ user: User; first: boolean }> {
  const before = await db.selectFrom('users').select('last_login_at').where('id', '=', id).executeTakeFirstOrThrow();
  const user = await db.updateTable('users').set({ last_login_at: at }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  return { user, first: !before.last_login_at };
}

/**
 * A new password hash, and the credential version moved on (which ends sessions and opaque
 * tokens). `emailProved` when it was set through a link addressed to the user's email.
 */
export function storePasswordHash(db: Kysely<Database>, id: string, passwordHash: string, emailProved = false): Promise<User> {
  return db
    .updateTable('users')
    .set((eb) => ({
      password_hash: passwordHash,
      credential_version: eb('credential_version', '+', 1),
      updated_at: new Date(),
      ...(emailProved ? { email_verified: true } : {}),
    }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

const notFound = (id: string) => errors.NotFound('user', id);
const lastOwner = () => errors.LastOwner('the organization must keep at least one owner: make another user an owner first');
const ownersOnly = () => errors.Forbidden('only an owner can make, change or remove an owner');

export class OrganizationUsers {
  #db: Kysely<Database>;
  #authorizations: Authorizations;

  constructor(db: Kysely<Database>, authorizations: Authorizations) {
    this.#db = db;
    this.#authorizations = authorizations;
  }

  /** Add a user to an organization that exists. 409 (naming the field) for a taken email or vendorUserId. */
  async add(organizationId: string, input: NewUser, by?: Actor): Promise<User> {
    if (by?.role === 'admin' && input.role === 'owner') throw ownersOnly();
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const user = await trx
          .insertInto('users')
          .values({
            id: newId(),
            organization_id: organizationId,
            email: normalizeEmail(input.email),
            first_name: blankToNull(input.firstName),
            last_name: blankToNull(input.lastName),
            vendor_user_id: input.vendorUserId ?? null,
            role: input.role,
            email_verified: input.emailVerified,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await emit(trx, { type: 'user.added', organizationId, data: userAddedData(user) });
        return user;
      });
    } catch (error) {
      const constraint = uniqueViolation(error);
      if (constraint !== undefined) throw errors.Conflict(TAKEN[constraint] ?? 'this user is already in the organization');
      throw error;
    }
  }

  async find(id: string): Promise<User | undefined> {
    return findUser(this.#db, id);
  }

  count(organizationId: string): Promise<number> {
    return countUsers(this.#db, organizationId);
  }

  /** How many owners the organization has (the console offers no way to take the last one away). */
  owners(organizationId: string): Promise<number> {
    return this.#owners(this.#db, organizationId);
  }

  async get(id: string): Promise<User> {
    const user = await this.find(id);
    if (!user) throw notFound(id);
    return user;
  }

  /** A page of an organization's users by id: the next page starts after the last id seen. */
  async list(organizationId: string, page: { after?: string; limit?: number } = {}): Promise<User[]> {
    let query = this.#db
      .selectFrom('users')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('id')
      .limit(Math.min(page.limit ?? 100, 1000));
    if (page.after) query = query.where('id', '>', page.after);
    return query.execute();
  }

  /** Change names or role; the last owner cannot be demoted. Returns the user and what changed. */
  async update(id: string, changes: UserChanges, by?: Actor): Promise<{ user: User; changed: string[] }> {
    return this.#db.transaction().execute(async (trx) => {
      const before = await this.#lockedUser(trx, id);
      const demoting = before.role === 'owner' && changes.role !== undefined && changes.role !== 'owner';
      if (by?.role === 'admin' && (before.role === 'owner' || changes.role === 'owner')) throw ownersOnly();
      if (demoting && (await this.#owners(trx, before.organization_id)) <= 1) throw lastOwner();
      const set = {
        ...(changes.firstName !== undefined ? { first_name: blankToNull(changes.firstName) } : {}),
        ...(changes.lastName !== undefined ? { last_name: blankToNull(changes.lastName) } : {}),
        ...(changes.role !== undefined ? { role: changes.role } : {}),
      };
      const changed = Object.entries({ firstName: 'first_name', lastName: 'last_name', role: 'role' } as const)
        .filter(([, column]) => column in set && set[column] !== before[column])
        .map(([field]) => field as 'firstName' | 'lastName' | 'role');
      if (changed.length === 0) return { user: before, changed };
      const user = await trx
        .updateTable('users')
        .set({ ...set, updated_at: new Date() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await emit(trx, {
        type: 'user.updated',
        organizationId: user.organization_id,
        data: {
          organizationId: user.organization_id,
          userId: user.id,
          email: user.email,
          role: user.role,
          firstName: user.first_name,
          lastName: user.last_name,
          changed,
          ...(changed.includes('role') ? { previousRole: before.role } : {}),
        },
      });
      return { user, changed };
    });
  }

  /** Remove a user (never the last owner): their sessions end and their tokens stop working. */
  async remove(id: string, by?: Actor): Promise<User> {
    let denied = () => {};
    const user = await this.#db.transaction().execute(async (trx) => {
      const user = await this.#lockedUser(trx, id);
      if (by?.role === 'admin' && user.role === 'owner') throw ownersOnly();
      if (user.role === 'owner' && (await this.#owners(trx, user.organization_id)) <= 1) throw lastOwner();
      denied = await this.#authorizations.revokeUserIn(trx, id, 'user_removed');
      await trx.deleteFrom('users').where('id', '=', id).execute();
      await emit(trx, {
        type: 'user.removed',
        organizationId: user.organization_id,
        data: { organizationId: user.organization_id, userId: id, email: user.email },
      });
      return user;
    });
    denied();
    return user;
  }

  /**
   * The user as it is once its organization's row is locked: the lock comes first, and the read
   * after it sees whatever a change that held the lock before committed (READ COMMITTED takes a
   * new snapshot per statement).
   */
  async #lockedUser(trx: Kysely<Database>, id: string): Promise<User> {
    const row = await trx.selectFrom('users').select('organization_id').where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(id);
    await trx.selectFrom('organizations').select('id').where('id', '=', row.organization_id).forUpdate().execute();
    const user = await findUser(trx, id);
    if (!user) throw notFound(id);
    return user;
  }

  async #owners(trx: Kysely<Database>, organizationId: string): Promise<number> {
    const row = await trx
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('organization_id', '=', organizationId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

function blankToNull(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}
