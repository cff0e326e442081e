// Resolving an MSPC_TOKEN to exactly one integration, without a database round trip in steady
// state. Outcomes are cached in memory by the SHA-256 of the presented keys (the keys themselves
// are never kept). A change to a vendor, an integration or an organization signals every
// instance, which drops the affected entries; an entry also lapses when a rotated key's overlap
// window ends. Lookups for unknown keys are cached too (a random key cannot become valid later),
// and the cache is bounded so a flood of made-up tokens only evicts.
import type { IncomingHttpHeaders } from 'node:http';
import type { Kysely } from 'kysely';
import { sha256 } from '../crypto.ts';
import { RESYNC, type Signal, type Storage } from '../db/index.ts';
import { CACHE_LIFETIME_MS } from '../db/cache.ts';
import type { Database } from '../db/schema.ts';
import type { IntegrationKind, IntegrationStatus } from '../db/schema-oem.ts';
import { AppError, errors } from '../errors.ts';
import { decodeMspcToken, invalidMspcToken, presentedToken } from './mspc-token.ts';

export interface VendorContext {
  integrationId: string;
  integrationKind: IntegrationKind;
  integrationStatus: IntegrationStatus;
  vendorId: string;
  organization: { id: string; name: string; vendorOrganizationId: string | null };
  vendorKeyHash: string;
  partnerKeyHash: string;
}

type Outcome = { ok: true; context: VendorContext } | { ok: false; status: 401 | 403; message: string };

interface Entry {
  outcome?: Outcome;
  pending?: Promise<Outcome>;
  expiresAt: number; // epoch ms: a rotated key's end of overlap, at most CACHE_LIFETIME_MS away
}

const TOPICS = new Set(['vendor', 'integration', 'organization', RESYNC]);

function refuse(outcome: Extract<Outcome, { ok: false }>): AppError {
  return outcome.status === 401 ? invalidMspcToken(outcome.message) : errors.Forbidden(outcome.message);
}

export class MspcAuth {
  #db: Kysely<Database>;
  #maxEntries: number;
  #cache = new Map<string, Entry>();
  #epoch = 0;

  constructor(storage: Storage, options: { maxEntries?: number } = {}) {
    this.#db = storage.db;
    this.#maxEntries = options.maxEntries ?? 50_000;
    storage.onSignal((s) => this.invalidate(s));
  }

  /** Drop what a change could have made stale. Also called directly after local changes. */
  invalidate(s: Signal): void {
    if (!TOPICS.has(s.topic)) return;
    this.#epoch++;
    for (const [key, entry] of this.#cache) {
      const ctx = entry.outcome?.ok ? entry.outcome.context : undefined;
      // Pending lookups may have read the old state; refusals may be lifted (re-enabling).
      const stale =
        !entry.outcome ||
        !ctx ||
        !s.id ||
        (s.topic === 'vendor' && ctx.vendorId === s.id) ||
        (s.topic === 'integration' && ctx.integrationId === s.id) ||
        (s.topic === 'organization' && ctx.organization.id === s.id);
      if (stale) this.#cache.delete(key);
    }
  }

  /** Authenticate a Vendor API request: the integration it reaches, or a 401/403 AppError. */
  async authenticate(headers: IncomingHttpHeaders): Promise<VendorContext> {
    const keys = decodeMspcToken(presentedToken(headers));
    const cacheKey = sha256(`${keys.vendorKey}:${keys.partnerKey}`);
    let entry = this.#cache.get(cacheKey);
    if (entry && entry.expiresAt <= Date.now()) {
      this.#cache.delete(cacheKey);
      entry = undefined;
    }
    let outcome = entry?.outcome;
    if (!outcome) {
      if (!entry) entry = this.#load(cacheKey, sha256(keys.vendorKey), sha256(keys.partnerKey));
      outcome = await entry.pending!;
    }
    if (outcome.ok) return outcome.context;
    throw refuse(outcome);
  }

  #load(cacheKey: string, vendorKeyHash: string, partnerKeyHash: string): Entry {
    const epoch = this.#epoch;
    const entry: Entry = { expiresAt: Date.now() + CACHE_LIFETIME_MS }; // a missed signal heals within this
    entry.pending = this.#lookup(vendorKeyHash, partnerKeyHash, entry).then(
      (outcome) => {
        // Keep it only if nothing changed while we read and nobody dropped it meanwhile.
        if (epoch === this.#epoch && this.#cache.get(cacheKey) === entry) {
          entry.outcome = outcome;
          entry.pending = undefined;
        }
        return outcome;
      },
      (error) => {
        if (this.#cache.get(cacheKey) === entry) this.#cache.delete(cacheKey);
        throw error;
      },
    );
    if (this.#cache.size >= this.#maxEntries) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(cacheKey, entry);
    return entry;
  }

  async #lookup(vendorKeyHash: string, partnerKeyHash: string, entry: Entry): Promise<Outcome> {
    const now = new Date();
    const vendorKey = await this.#db
      .selectFrom('vendor_api_keys')
      .innerJoin('vendors', 'vendors.id', 'vendor_api_keys.vendor_id')
      .select(['vendor_api_keys.vendor_id', 'vendor_api_keys.expires_at', 'vendors.disabled_at'])
      .where('vendor_api_keys.key_hash', '=', vendorKeyHash)
      .executeTakeFirst();
    const partnerKey = await this.#db
      .selectFrom('partner_api_keys')
      .innerJoin('integrations', 'integrations.id', 'partner_api_keys.integration_id')
      .innerJoin('organizations', 'organizations.id', 'integrations.organization_id')
      .select([
        'partner_api_keys.expires_at',
        'integrations.id as integration_id',
        'integrations.vendor_id',
        'integrations.kind',
        'integrations.status',
        'integrations.disabled_at',
        'organizations.id as organization_id',
        'organizations.name',
        'organizations.vendor_organization_id',
      ])
      .where('partner_api_keys.key_hash', '=', partnerKeyHash)
      .executeTakeFirst();
    const live = (expires: Date | null | undefined) => expires === null || (expires !== undefined && expires > now);
    if (!vendorKey || !partnerKey || !live(vendorKey.expires_at) || !live(partnerKey.expires_at)) {
      return { ok: false, status: 401, message: 'the MSPC_TOKEN is not valid: unknown or retired vendor or partner API key' };
    }
    entry.expiresAt = Math.min(entry.expiresAt, vendorKey.expires_at?.getTime() ?? Infinity, partnerKey.expires_at?.getTime() ?? Infinity);
    if (partnerKey.vendor_id !== vendorKey.vendor_id) {
      return { ok: false, status: 403, message: 'Vendor lacks permission for organization: the vendor and partner API keys do not belong together' };
    }
    if (vendorKey.disabled_at) return { ok: false, status: 403, message: 'the vendor is disabled' };
    if (partnerKey.disabled_at) return { ok: false, status: 403, message: 'the integration is disabled' };
    return {
      ok: true,
      context: {
        integrationId: partnerKey.integration_id,
        integrationKind: partnerKey.kind,
        integrationStatus: partnerKey.status,
        vendorId: partnerKey.vendor_id,
        organization: { id: partnerKey.organization_id, name: partnerKey.name, vendorOrganizationId: partnerKey.vendor_organization_id },
        vendorKeyHash,
        partnerKeyHash,
      },
    };
  }
}
