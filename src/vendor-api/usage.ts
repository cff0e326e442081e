// Last use of Vendor API keys and integrations, recorded in batches: requests only mark what they
// used in memory, and a timer writes the marks every few seconds (plus one audit event per
// integration summarising its requests), so the hot path never waits on a write.
import type { Kysely } from 'kysely';
import type { Audit } from '../audit/audit.ts';
import type { Database } from '../db/schema.ts';
import type { VendorContext } from './mspc-auth.ts';

export class Usage {
  #db: Kysely<Database>;
  #audit: Audit;
  #vendorKeys = new Set<string>();
  #partnerKeys = new Set<string>();
  #integrations = new Map<string, { vendorId: string; organizationId: string; requests: number }>();
  #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();
  #onError: (error: unknown) => void;

  constructor(db: Kysely<Database>, audit: Audit, options: { flushEveryMs?: number; onError: (error: unknown) => void }) {
    this.#db = db;
    this.#audit = audit;
    this.#onError = options.onError;
    this.#timer = setInterval(() => void this.flush(), options.flushEveryMs ?? 5000);
    this.#timer.unref();
  }

  touch(context: VendorContext): void {
    this.#vendorKeys.add(context.vendorKeyHash);
    this.#partnerKeys.add(context.partnerKeyHash);
    const seen = this.#integrations.get(context.integrationId);
    if (seen) seen.requests++;
    else this.#integrations.set(context.integrationId, { vendorId: context.vendorId, organizationId: context.organization.id, requests: 1 });
  }

  /** Write the marks gathered so far; resolves once they are in the database. */
  flush(): Promise<void> {
    const vendorKeys = [...this.#vendorKeys];
    const partnerKeys = [...this.#partnerKeys];
    const integrations = [...this.#integrations];
    this.#vendorKeys.clear();
    this.#partnerKeys.clear();
    this.#integrations.clear();
    this.#flushing = this.#flushing.then(async () => {
      if (integrations.length === 0) return;
      const now = new Date();
      try {
        await this.#db.updateTable('vendor_api_keys').set({ last_used_at: now }).where('key_hash', 'in', vendorKeys).execute();
        await this.#db.updateTable('partner_api_keys').set({ last_used_at: now }).where('key_hash', 'in', partnerKeys).execute();
        await this.#db
          .updateTable('integrations')
          .set({ last_used_at: now })
          .where(
            'id',
            'in',
            integrations.map(([id]) => id),
          )
          .execute();
      } catch (error) {
        this.#onError(error);
      }
      for (const [id, use] of integrations) {
        this.#audit.record({
          action: 'vendor_api.used',
          outcome: 'success',
          actor: use.vendorId,
          details: { integration_id: id, organization_id: use.organizationId, requests: use.requests },
        });
      }
    });
    return this.#flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
