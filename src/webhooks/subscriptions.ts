// Webhook subscriptions of an organization: where its events go, which types, an optional static
// auth header, and the signing secret. The secret and the header value are sealed (AES-256-GCM):
// they must be used again to sign and send, so a hash would not do. The secret is shown once.
import type { Kysely, Selectable } from 'kysely';
import type { Sealer } from '../crypto.ts';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/schema.ts';
import type { WebhookSubscriptionsTable } from '../db/schema-webhooks.ts';
import { errors } from '../errors.ts';
import type { AddressPolicy } from '../net/address-policy.ts';
import { generateSecret } from './signature.ts';
import { checkAuthHeader, checkUrl } from './validate.ts';

export type Subscription = Selectable<WebhookSubscriptionsTable>;

/** How long a replaced secret keeps signing alongside the new one. */
const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

export interface SubscriptionInput {
  url: string;
  eventTypes: string[];
  authHeader?: string | null;
  authHeaderValue?: string | null;
}

export interface SubscriptionPatch {
  url?: string;
  eventTypes?: string[];
  authHeader?: string | null;
  authHeaderValue?: string | null;
  status?: 'enabled' | 'disabled';
}

export interface SubscriptionOptions {
  policy: AddressPolicy;
  maxPerOrganization: number;
  now: () => number;
}

export class Subscriptions {
  #db: Kysely<Database>;
  #sealer: Sealer;
  #options: SubscriptionOptions;

  constructor(db: Kysely<Database>, sealer: Sealer, options: SubscriptionOptions) {
    this.#db = db;
    this.#sealer = sealer;
    this.#options = options;
  }

  async create(organizationId: string, input: SubscriptionInput): Promise<{ subscription: Subscription; secret: string }> {
    const url = await checkUrl(input.url, this.#options.policy);
    const header = checkAuthHeader(input.authHeader, input.authHeaderValue);
    const secret = generateSecret();
    // Record time, like every other record (the dispatcher compares it with events' times).
    const now = new Date();
    const subscription = await this.#db.transaction().execute(async (trx) => {
      // Lock the organization so concurrent creations count one after another against the cap.
      const org = await trx.selectFrom('organizations').select('id').where('id', '=', organizationId).forUpdate().executeTakeFirst();
      if (!org) throw errors.NotFound('organization', organizationId);
      const { count } = await trx
        .selectFrom('webhook_subscriptions')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('organization_id', '=', organizationId)
        .executeTakeFirstOrThrow();
      const max = this.#options.maxPerOrganization;
      if (Number(count) >= max) {
        throw errors.SubscriptionLimit(max);
      }
      return trx
        .insertInto('webhook_subscriptions')
        .values({
          id: newId(),
          organization_id: organizationId,
          url,
          event_types: [...new Set(input.eventTypes)],
          auth_header: header?.name ?? null,
          auth_header_value: header ? this.#sealer.seal(header.value) : null,
          secret: this.#sealer.seal(secret),
          status: 'enabled',
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    });
    return { subscription, secret };
  }

  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom('webhook_subscriptions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Subscriptions disabled or failing now, longest-failing first (the console's attention list). */
  async needingAttention(limit: number): Promise<Subscription[]> {
    return this.#db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where((eb) => eb.or([eb('status', '=', 'disabled'), eb('failing_since', 'is not', null)]))
      .orderBy('failing_since', (o) => o.asc().nullsLast())
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async list(organizationId: string): Promise<Subscription[]> {
    return this.#db.selectFrom('webhook_subscriptions').selectAll().where('organization_id', '=', organizationId).orderBy('created_at').orderBy('id').execute();
  }

  /** The subscription, if it belongs to the organization; else 404 (never tell another's apart). */
  async get(organizationId: string, id: string): Promise<Subscription> {
    const row = await this.#db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('id', '=', id)
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
    if (!row) throw errors.NotFound('webhook', id);
    return row;
  }

  async update(organizationId: string, id: string, patch: SubscriptionPatch): Promise<Subscription> {
    const current = await this.get(organizationId, id);
    const changes: Partial<Record<keyof WebhookSubscriptionsTable, unknown>> = { updated_at: new Date() };
    if (patch.url !== undefined) changes.url = await checkUrl(patch.url, this.#options.policy);
    if (patch.eventTypes !== undefined) changes.event_types = [...new Set(patch.eventTypes)];
    if (patch.authHeader !== undefined || patch.authHeaderValue !== undefined) {
      // Either one set to null removes the header; otherwise a missing half keeps its current value.
      const clear = patch.authHeader === null || patch.authHeaderValue === null;
      const header = clear ? null : checkAuthHeader(patch.authHeader ?? current.auth_header, patch.authHeaderValue ?? this.#open(current.auth_header_value));
      changes.auth_header = header?.name ?? null;
      changes.auth_header_value = header ? this.#sealer.seal(header.value) : null;
    }
    if (patch.status === 'enabled' && current.status !== 'enabled') {
      Object.assign(changes, { status: 'enabled', disabled_reason: null, failing_since: null });
    } else if (patch.status === 'disabled' && current.status !== 'disabled') {
      Object.assign(changes, { status: 'disabled', disabled_reason: 'disabled by the organization' });
    }
    return this.#db
      .updateTable('webhook_subscriptions')
      .set(changes as never)
      .where('id', '=', id)
      .where('organization_id', '=', organizationId)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async remove(organizationId: string, id: string): Promise<void> {
    const result = await this.#db.deleteFrom('webhook_subscriptions').where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw errors.NotFound('webhook', id);
  }

  /** A new secret; the one it replaces keeps signing for 24 hours so receivers can switch over. */
  async rotateSecret(organizationId: string, id: string): Promise<{ subscription: Subscription; secret: string }> {
    const current = await this.get(organizationId, id);
    const secret = generateSecret();
    const now = this.#options.now();
    const subscription = await this.#db
      .updateTable('webhook_subscriptions')
      .set({
        secret: this.#sealer.seal(secret),
        previous_secret: current.secret,
        previous_secret_expires_at: new Date(now + ROTATION_OVERLAP_MS),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .where('organization_id', '=', organizationId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { subscription, secret };
  }

  #open(sealed: string | null): string | null {
    return sealed === null ? null : this.#sealer.open(sealed);
  }
}
