// The delivery loop: keeps up to `maxInFlight` delivery jobs claimed from pg-boss and working,
// each finishing on its own, so one slow receiver (up to the 15 s timeout) holds one slot rather
// than a whole batch. A job stays active in pg-boss until its outcome is recorded; if this
// process dies first, pg-boss expires the job and another worker runs it again.
// It sleeps when there is nothing to claim and wakes early on a 'webhooks' signal (a job was
// queued on some instance), when half the slots have freed up after a full claim (claiming in
// large batches: a claim is the queue's most expensive statement), or after `pollMs` (retries
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
  #pending = false; // jobs were queued since the last claim
  #lastFull = false; // the last claim took all it asked for: more is probably waiting
  #drained: (() => void) | undefined;

  constructor(options: PumpOptions) {
    this.#o = options;
  }

  get #lowWater(): number {
    return Math.floor(this.#o.maxInFlight / 2);
  }

  start(): void {
    this.#loop = this.#run();
  }

  /** Jobs were queued: claim them now, or as soon as half the slots are free. */
  wake(): void {
    this.#pending = true;
    if (this.#inFlight <= this.#lowWater) this.#wake?.();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      this.#pending = false;
      const room = this.#o.maxInFlight - this.#inFlight;
      if (room > 0) {
        try {
          const jobs = await this.#o.boss.fetch<DeliveryJob>(DELIVERY_QUEUE, { batchSize: room });
          this.#lastFull = jobs.length === room;
          if (jobs.length > 0) this.#begin(jobs);
        } catch (error) {
          this.#lastFull = false;
          this.#o.onError(error);
        }
      }
      if (this.#stopped) break;
      if ((this.#pending || this.#lastFull) && this.#inFlight <= this.#lowWater) continue;
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
    this.#o
      .work(jobs, settled)
      .catch(this.#o.onError)
      .finally(() => settled(left));
  }

  #release(count: number): void {
    if (count <= 0) return;
    const crossed = this.#inFlight > this.#lowWater && this.#inFlight - count <= this.#lowWater;
    this.#inFlight -= count;
    if (crossed && (this.#pending || this.#lastFull)) this.#wake?.();
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
