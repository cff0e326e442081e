// The durable job queue and the background work that must run once across all instances.
// pg-boss lives on the same database as everything else. On the embedded default it shares the
// one PGlite instance (PGlite serialises statements and transactions, so the queue's work
// interleaves with the app's queries statement by statement); on PostgreSQL it keeps a small pool
// of its own. A scheduled job is queued once per period whatever the number of instances
// (pg-boss's cron keeps one schedule in the database), and whichever instance fetches it runs it.
import type { Logger } from 'pino';
import { PgBoss, fromPglite, type Clock, type ConstructorOptions } from 'pg-boss';
import type { Storage } from '../db/index.ts';
import { backgroundErrors } from '../db/outage-log.ts';

export interface JobsOptions {
  storage: Storage;
  databaseUrl: string | undefined;
  log: Logger;
  clock?: Clock;
}

export class Jobs {
  readonly boss: PgBoss;
  #log: Logger;

  private constructor(boss: PgBoss, log: Logger) {
    this.boss = boss;
    this.#log = log;
  }

  static async open(options: JobsOptions): Promise<Jobs> {
    const common: ConstructorOptions = {
      // Expiry of a crashed worker's jobs happens on these passes: keep them frequent.
      superviseIntervalSeconds: 10,
      monitorIntervalSeconds: 10,
      ...(options.clock ? { clock: options.clock } : {}),
    };
    const boss = options.storage.pglite
      ? new PgBoss({ ...common, db: fromPglite(options.storage.pglite), backend: 'pglite' })
      : new PgBoss({ ...common, connectionString: options.databaseUrl, max: 4, application_name: 'gatehouse-jobs' });
    // pg-boss reconnects by itself when the database returns; its errors meanwhile are only logged.
    boss.on('error', backgroundErrors(options.log, 'job queue error'));
    await boss.start();
    return new Jobs(boss, options.log);
  }

  /**
   * Run `work` on one instance each time `cron` (UTC, minute resolution) comes due. A run that
   * fails is logged and left to the next period: these are sweeps, not deliveries.
   */
  async every(name: string, cron: string, work: () => Promise<unknown>): Promise<void> {
    await this.boss.createQueue(name, { expireInSeconds: 900, retryLimit: 0, deleteAfterSeconds: 86400 });
    await this.boss.work(name, { pollingIntervalSeconds: 15 }, async () => {
      try {
        await work();
      } catch (err) {
        this.#log.warn({ err, job: name }, 'background job failed; it runs again next period');
      }
    });
    await this.boss.schedule(name, cron);
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 5000 });
  }
}
