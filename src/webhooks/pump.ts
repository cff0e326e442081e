// The delivery loop: keeps up to `maxInFlight` delivery jobs claimed from pg-boss and working,
// each finishing on its own, so one slow receiver (up to the 15 s timeout) holds one slot rather
// than a whole batch. A job stays active in pg-boss until its outcome is recorded; if this
// process dies first, pg-boss expires the job and another worker runs it again.
// It sleeps when there is nothing to claim and wakes early on a 'webhooks' signal (a job was
// queued on some instance), when a slot frees up after a full claim, or after `pollMs` (retries
// that came due).
import type { Clock, Job, PgBoss } from 'pg-boss';
import { DELIVERY_QUEUE, type DeliveryJob } from './queue.ts';

export interface PumpOptions {
  boss: PgBoss;
  clock: Clock;
  maxInFlight: number;
  pollMs: number;
  /** Works a claimed batch; resolves when every job in it has been settled. */
  work: (jobs: Job<DeliveryJob>[], settled: (count: number) => void) => Promise<void>;
  onError: (error: unknown) => void;
}

export class Pump {
  #o: PumpOptions;
  #inFlight = 0;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #woken = false;
  #drained: (() => void) | undefined;

  constructor(options: PumpOptions) {
    this.#o = options;
  }

  start(): void {
    this.#loop = this.#run();
  }

  /** Look for work now (a job was queued). */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      this.#woken = false;
      const room = this.#o.maxInFlight - this.#inFlight;
      let claimed = 0;
      if (room > 0) {
        try {
          const jobs = await this.#o.boss.fetch<DeliveryJob>(DELIVERY_QUEUE, { batchSize: room });
          claimed = jobs.length;
          if (claimed > 0) this.#begin(jobs);
        } catch (error) {
          this.#o.onError(error);
        }
      }
      // A full claim suggests more is waiting: go again as soon as there is room.
      if (this.#stopped || this.#woken || (claimed > 0 && claimed === room && this.#inFlight < this.#o.maxInFlight)) continue;
      await this.#sleep();
    }
  }

  #begin(jobs: Job<DeliveryJob>[]): void {
    this.#inFlight += jobs.length;
    let left = jobs.length;
    const settled = (count: number) => {
      const n = Math.min(count, left);
      left -= n;
      this.#release(n);
    };
    this.#o.work(jobs, settled).catch(this.#o.onError).finally(() => settled(left));
  }

  #release(count: number): void {
    if (count <= 0) return;
    const wasFull = this.#inFlight >= this.#o.maxInFlight;
    this.#inFlight -= count;
    if (wasFull) this.wake();
    if (this.#inFlight === 0) this.#drained?.();
  }

  #sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#o.clock.setTimeout(() => done(), this.#o.pollMs);
      const done = () => {
        this.#o.clock.clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      this.#wake = done;
    });
  }

  /** Stop claiming; wait (up to `graceMs`) for the jobs in flight to settle. */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    if (this.#inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      this.#drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
