// Removing a user (an operator's decision): their grants are revoked first, so JWTs issued to
// them reach the deny-list, then the row goes, taking sessions, links, consents and opaque
// tokens with it (foreign keys cascade). The organization's owner stays: a vendor's session
// links are made for them.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { emit } from '../events/outbox.ts';
import type { Accounts } from './accounts.ts';

export async function removeUser(db: Kysely<Database>, accounts: Accounts, userId: string): Promise<void> {
  const user = await db.selectFrom('users').select(['id', 'organization_id', 'role']).where('id', '=', userId).executeTakeFirst();
  if (!user) throw new AppError(404, 'not_found', `user "${userId}" does not exist`);
  if (user.role === 'owner') throw new AppError(409, 'conflict', "the organization's owner cannot be removed");
  await accounts.revokeGrants(userId, 'user_removed');
  await db.transaction().execute(async (trx) => {
    const removed = await trx.deleteFrom('users').where('id', '=', userId).executeTakeFirst();
    if (removed.numDeletedRows === 0n) return;
    await emit(trx, { type: 'user.removed', organizationId: user.organization_id, data: { organizationId: user.organization_id, userId } });
  });
}
