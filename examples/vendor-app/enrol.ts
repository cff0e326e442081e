// The "Enrol" button's back end (seed 000, steps 1-4): create the partner's organization the
// first time only, keep its token, then ask for a login session and hand back its URL.
import { GatehouseClient, GatehouseConflictError } from '@gatehouse/client';
import type { Partner } from './config.ts';
import type { Enrolment, Store } from './store.ts';

export class EnrolmentService {
  readonly #gatehouse: GatehouseClient;
  readonly #store: Store;
  readonly #createIntegration: boolean;
  // One enrolment at a time, so a double click cannot create the organization twice.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(gatehouse: GatehouseClient, store: Store, options: { createIntegration: boolean }) {
    this.#gatehouse = gatehouse;
    this.#store = store;
    this.#createIntegration = options.createIntegration;
  }

  /** Returns the one-time Gatehouse URL to open for this partner. */
  enrol(partner: Partner): Promise<string> {
    const next = this.#queue.then(() => this.#enrol(partner));
    this.#queue = next.catch(() => {});
    return next;
  }

  async #enrol(partner: Partner): Promise<string> {
    const enrolment = (await this.#store.get(partner.vendorOrganizationId)) ?? (await this.#createOrganization(partner));
    if (this.#createIntegration && !enrolment.partnerApiKey) await this.#connect(partner, enrolment);
    const session = await this.#gatehouse.createSession({ organizationOemToken: enrolment.organizationOemToken, vendorUserId: partner.vendorUserId });
    return session.redirectUrl;
  }

  async #createOrganization(partner: Partner): Promise<Enrolment> {
    try {
      const created = await this.#gatehouse.createOrganization(partner);
      const enrolment = { organizationId: created.organizationId, organizationOemToken: created.organizationOemToken };
      await this.#store.put(partner.vendorOrganizationId, enrolment);
      return enrolment;
    } catch (error) {
      if (error instanceof GatehouseConflictError) {
        throw new Error(
          'Gatehouse already has this organization, but this app has lost its organization token. An operator can rotate the token and give it back to the app.',
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Seed 001: an external integration, then the Vendor API with the MSPC_TOKEN to mark it live. */
  async #connect(partner: Partner, enrolment: Enrolment): Promise<void> {
    const created = await this.#gatehouse.createIntegration({ organizationId: enrolment.organizationId });
    enrolment.integrationId = created.integration.id;
    enrolment.partnerApiKey = created.partnerApiKey;
    await this.#store.put(partner.vendorOrganizationId, enrolment);
    await this.#gatehouse.vendorApi(created.partnerApiKey).setStatus('active');
  }
}
