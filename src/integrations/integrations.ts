// Integrations: one (organization, vendor, kind). `external` integrations carry a partner API
// key, the second half of the MSPC_TOKEN (seed 001), shown once and stored as SHA-256;
// `custom_hosted` integrations hold the partner's credentials sealed with AES-256-GCM (seed 000).
// Every change that the Vendor API's key cache depends on signals all instances.
import type { Kysely, Selectable } from 'kysely';
import { randomToken, sha256, type Sealer } from '../crypto.ts';
import { signal, type Storage } from '../db/index.ts';
import { uniqueViolation } from '../db/errors.ts';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/schema.ts';
import type { IntegrationKind, IntegrationStatus, IntegrationsTable, PartnerApiKeysTable } from '../db/schema-oem.ts';
import { AppError, errors } from '../errors.ts';
import { emit } from '../events/outbox.ts';

export type Integration = Selectable<IntegrationsTable>;
export type PartnerApiKey = Selectable<PartnerApiKeysTable>;
export type Credentials = Record<string, unknown>;

const PARTNER_KEY_PREFIX = 'ghp_';
export const INTEGRATION_STATUSES: IntegrationStatus[] = ['inactive', 'pending', 'active'];

export interface IntegrationWithVendor extends Integration {
  vendor_name: string;
}

function conflict(kind: IntegrationKind): AppError {
  return errors.Conflict(`the organization already has a ${kind} integration with this vendor`);
}

export class Integrations {
  #db: Kysely<Database>;
  #sealer: Sealer;

  constructor(storage: Storage, sealer: Sealer) {
    this.#db = storage.db;
    this.#sealer = sealer;
  }
  /** How many integrations the organization has (the partner App Info shows it). */
  async count(organizationId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('integrations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Seed 001: an external integration and its partner API key (returned once). */
  async createExternal(organizationId: string, vendorId: string): Promise<{ integration: Integration; partnerApiKey: string }> {
    const partnerApiKey = PARTNER_KEY_PREFIX + randomToken(32);
    const integration = await this.#create(organizationId, vendorId, 'external', 'pending', null, async (trx, id) => {
      await trx
        .insertInto('partner_api_keys')
        .values({ key_hash: sha256(partnerApiKey), integration_id: id })
        .execute();
    });
    return { integration, partnerApiKey };
  }

  /** Seed 000's second shape: a custom_hosted integration holding the partner's credentials. */
  async createCustomHosted(organizationId: string, vendorId: string, credentials: Credentials): Promise<Integration> {
    return this.#create(organizationId, vendorId, 'custom_hosted', 'active', this.#seal(credentials));
  }

  /** Replace a custom_hosted integration's credentials; undefined when there is none. */
  async updateCredentials(organizationId: string, vendorId: string, credentials: Credentials): Promise<Integration | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const integration = await trx
        .updateTable('integrations')
        .set({ credentials: this.#seal(credentials), updated_at: new Date() })
        .where('organization_id', '=', organizationId)
        .where('vendor_id', '=', vendorId)
        .where('kind', '=', 'custom_hosted')
        .returningAll()
        .executeTakeFirst();
      if (!integration) return undefined;
      await emit(trx, {
        type: 'integration.credentials_updated',
        organizationId,
        data: { organizationId, integrationId: integration.id, vendorId },
      });
      return integration;
    });
  }

  /** The stored credentials of a custom_hosted integration, opened. */
  credentials(integration: Integration): Credentials | undefined {
    return integration.credentials ? JSON.parse(this.#sealer.open(integration.credentials)) : undefined;
  }

  async get(id: string): Promise<IntegrationWithVendor> {
    const row = await this.#withVendor().where('integrations.id', '=', id).executeTakeFirst();
    if (!row) throw errors.NotFound('integration', id);
    return row;
  }

  async listForOrganization(organizationId: string): Promise<IntegrationWithVendor[]> {
    return this.#withVendor()
      .where('integrations.organization_id', '=', organizationId)
      .orderBy('integrations.created_at')
      .orderBy('integrations.id')
      .execute();
  }

  /** The Vendor API's PATCH status. Returns the integration and the status it had before. */
  async setStatus(id: string, status: IntegrationStatus): Promise<{ integration: Integration; previous: IntegrationStatus }> {
    return this.#db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('integrations').select('status').where('id', '=', id).forUpdate().executeTakeFirst();
      if (!before) throw errors.NotFound('the integration no longer exists');
      const integration = await trx
        .updateTable('integrations')
        .set({ status, updated_at: new Date() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (before.status !== status) {
        await emit(trx, {
          type: 'integration.status_changed',
          organizationId: integration.organization_id,
          data: { organizationId: integration.organization_id, integrationId: id, from: before.status, to: status },
        });
        await signal(trx, 'integration', id);
      }
      return { integration, previous: before.status };
    });
  }

  async setDisabled(id: string, disabled: boolean): Promise<IntegrationWithVendor> {
    await this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('integrations')
        .set({ disabled_at: disabled ? new Date() : null, updated_at: new Date() })
        .where('id', '=', id)
        .returning('id')
        .executeTakeFirst();
      if (!row) throw errors.NotFound('integration', id);
      await signal(trx, 'integration', id);
    });
    return this.get(id);
  }

  /** A new partner API key; live keys keep working for `overlapSeconds` more (0: stop now). */
  async rotatePartnerKey(id: string, overlapSeconds: number): Promise<{ partnerApiKey: string; previousExpiresAt: Date }> {
    const previousExpiresAt = new Date(Date.now() + overlapSeconds * 1000);
    const partnerApiKey = PARTNER_KEY_PREFIX + randomToken(32);
    await this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('integrations').select('kind').where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) throw errors.NotFound('integration', id);
      if (row.kind !== 'external') throw errors.Invalid('only external integrations have partner API keys');
      await trx
        .updateTable('partner_api_keys')
        .set({ expires_at: previousExpiresAt })
        .where('integration_id', '=', id)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', previousExpiresAt)]))
        .execute();
      await trx
        .insertInto('partner_api_keys')
        .values({ key_hash: sha256(partnerApiKey), integration_id: id })
        .execute();
      await signal(trx, 'integration', id);
    });
    return { partnerApiKey, previousExpiresAt };
  }

  async partnerKeys(id: string): Promise<PartnerApiKey[]> {
    return this.#db
      .selectFrom('partner_api_keys')
      .selectAll()
      .where('integration_id', '=', id)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date())]))
      .orderBy('created_at')
      .execute();
  }

  #withVendor() {
    return this.#db
      .selectFrom('integrations')
      .innerJoin('vendors', 'vendors.id', 'integrations.vendor_id')
      .selectAll('integrations')
      .select('vendors.name as vendor_name');
  }

  #seal(credentials: Credentials): string {
    return this.#sealer.seal(JSON.stringify(credentials));
  }

  async #create(
    organizationId: string,
    vendorId: string,
    kind: IntegrationKind,
    status: IntegrationStatus,
    credentials: string | null,
    extra?: (trx: Kysely<Database>, id: string) => Promise<void>,
  ): Promise<Integration> {
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const integration = await trx
          .insertInto('integrations')
          .values({
            id: newId(),
            organization_id: organizationId,
            vendor_id: vendorId,
            kind,
            status,
            credentials,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await extra?.(trx, integration.id);
        await emit(trx, {
          type: 'integration.created',
          organizationId,
          data: { organizationId, integrationId: integration.id, vendorId, integrationKind: kind },
        });
        return integration;
      });
    } catch (error) {
      if (uniqueViolation(error) === 'integrations_org_vendor_kind') throw conflict(kind);
      throw error;
    }
  }
}
