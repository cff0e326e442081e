// The webhook service: subscriptions and the delivery log for the HTTP surfaces, and the engine
// behind them (outbox dispatcher, delivery loop over pg-boss, retention job). Built once by the
// composition root; stop() before the database closes.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Agent } from 'undici';
import { fromKysely, systemClock, type Clock, type PgBoss } from 'pg-boss';
import type { Config } from '../config.ts';
import type { Sealer } from '../crypto.ts';
import { RESYNC, type Storage } from '../db/index.ts';
import { backgroundErrors } from '../db/outage-log.ts';
import type { Database } from '../db/schema.ts';
import type { AddressPolicy } from '../net/address-policy.ts';
import { Deliveries } from './deliveries.ts';
import { Dispatcher } from './dispatcher.ts';
import { Pump } from './pump.ts';
import { DELIVERY_QUEUE, createQueues, enqueue, type QueuedDelivery } from './queue.ts';
import type { Jobs } from '../ops/jobs.ts';
import { purge } from './retention.ts';
import { createSender } from './sender.ts';
import { Subscriptions } from './subscriptions.ts';
import { deliveryWorker } from './worker.ts';

export interface WebhooksOptions {
  storage: Storage;
  config: Readonly<Config>;
  sealer: Sealer;
  /** Which addresses subscriptions may name (checked again at connect time by the outbound Agent). */
  policy: AddressPolicy;
  /** The SSRF-guarded outbound Agent (net/outbound.ts): kept-alive connections, since receivers get many deliveries in a row. */
  outbound: Agent;
  log: Logger;
  /** The job queue (its pg-boss carries deliveries; retention is a scheduled job on it). */
  jobs: Jobs;
  /** Time for the whole engine and its queue (tests pass pg-boss's TestClock). */
  clock?: Clock;
  /** Jitter source, [0, 1). */
  random?: () => number;
}

/** Dispatch passes also run on this period, in case an 'outbox' signal was missed. */
const SWEEP_MS = 5000;

export class Webhooks {
  readonly subscriptions: Subscriptions;
  readonly deliveries: Deliveries;
  #boss: PgBoss;
  #dispatcher: Dispatcher;
  #clock: Clock;
  #db: Kysely<Database>;
  #retentionDays: number;
  #timeoutMs: number;
  #sweep: unknown;
  #pump: Pump | undefined;

  private constructor(boss: PgBoss, options: WebhooksOptions) {
    const { storage, config, sealer, log } = options;
    const clock = options.clock ?? systemClock;
    const now = () => clock.now();
    const queue = (trx: Kysely<Database>, d: readonly QueuedDelivery[]) => enqueue(boss, trx, d);
    this.#boss = boss;
    this.#clock = clock;
    this.#db = storage.db;
    this.#retentionDays = config.webhooks.retentionDays;
    this.#timeoutMs = config.webhooks.timeoutMs;
    this.subscriptions = new Subscriptions(storage.db, sealer, { policy: options.policy, maxPerOrganization: config.webhooks.maxSubscriptions, now });
    this.deliveries = new Deliveries({ db: storage.db, enqueue: queue, now });
    this.#dispatcher = new Dispatcher({
      db: storage.db,
      enqueue: queue,
      now,
      asyncCommit: storage.kind === 'postgres',
      onError: backgroundErrors(log, 'webhook dispatch failed'),
    });
  }

  static async start(options: WebhooksOptions): Promise<Webhooks> {
    const { config } = options;
    const clock = options.clock ?? systemClock;
    const timeoutMs = config.webhooks.timeoutMs;
    const boss = options.jobs.boss;
    // Room for a whole attempt and its recording; a job active longer belonged to a dead worker.
    await createQueues(boss, Math.ceil(timeoutMs / 1000) * 2 + 5);
    const webhooks = new Webhooks(boss, options);
    await webhooks.#run(options, clock);
    return webhooks;
  }

  async #run(options: WebhooksOptions, clock: Clock): Promise<void> {
    const { storage, config, sealer, outbound } = options;
    const now = () => clock.now();
    const embedded = storage.kind === 'pglite';
    const work = deliveryWorker({
      db: storage.db,
      sealer,
      now,
      random: options.random ?? Math.random,
      // The embedded database has no WAL writer to flush such a commit soon after: it stays synchronous.
      asyncCommit: !embedded,
      attempt: createSender(outbound, { timeoutMs: config.webhooks.timeoutMs, now }),
      enqueue: (trx, d) => enqueue(this.#boss, trx, d),
      complete: async (trx, jobs) => {
        // Settle exactly the attempts claimed: a job pg-boss has meanwhile expired and handed
        // to another worker is left to that worker.
        await this.#boss.complete(
          DELIVERY_QUEUE,
          jobs.map((j) => ({ id: j.id, retryCount: j.retryCount })),
          null,
          { db: fromKysely(trx) },
        );
      },
      onError: backgroundErrors(options.log, 'webhook delivery failed'),
    });
    this.#pump = new Pump({
      boss: this.#boss,
      clock,
      work,
      // The embedded database runs on this thread: fewer attempts in flight leave it room (larger
      // batches cut its statements per delivery by half, but the app's requests waited longer).
      maxInFlight: embedded ? 100 : 400,
      pollMs: 1000,
      onError: backgroundErrors(options.log, 'webhook queue fetch failed'),
    });
    this.#pump.start();
    await options.jobs.every('webhook-retention', '17 3 * * *', async () => {
      // daily, 03:17 UTC
      const purged = await this.purgeNow();
      options.log.info({ purged }, 'webhook retention: old attempts and payloads purged');
    });
    storage.onSignal((s) => {
      if (s.topic === 'outbox') this.#dispatcher.kick();
      else if (s.topic === 'webhooks') this.#pump?.wake();
      else if (s.topic === RESYNC) {
        // Wake-ups sent while the listener was away are lost: look for work now.
        this.#dispatcher.kick();
        this.#pump?.wake();
      }
    });
    this.#sweep = clock.setInterval(() => this.#dispatcher.kick(), SWEEP_MS);
    (this.#sweep as { unref?: () => void }).unref?.();
    this.#dispatcher.kick();
  }

  /** Run a dispatch pass now and wait for it (tests, benchmarks). */
  async dispatchNow(): Promise<void> {
    this.#dispatcher.kick();
    await this.#dispatcher.idle();
  }

  /** Run the retention purge now (what the scheduled job does). */
  purgeNow() {
    return purge(this.#db, this.#retentionDays, this.#clock.now());
  }

  async stop(): Promise<void> {
    this.#clock.clearInterval(this.#sweep);
    await this.#dispatcher.stop();
    await this.#pump?.stop(this.#timeoutMs + 5000);
  }
}
