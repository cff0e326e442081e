// The delivery worker: for a claimed batch of jobs, makes one attempt for each live delivery,
// and hands every outcome to the recorder as soon as it is known (see record.ts). A job that
// finds its delivery gone, finished, or at a later generation only completes, so a job run twice
// (a worker killed after sending) is harmless; the receiver may see the message twice, always
// under the same webhook-id.
import type { Job } from 'pg-boss';
import { Credentials } from './credentials.ts';
import type { DeliveryJob } from './queue.ts';
import { Recorder, type Outcome } from './record.ts';
import { load, type LiveDelivery, type WorkerDeps } from './worker-deps.ts';

export function deliveryWorker(deps: WorkerDeps) {
  const recorder = new Recorder(deps);
  const credentials = new Credentials(deps.sealer);

  async function deliver(job: Job<DeliveryJob>, row: LiveDelivery): Promise<Outcome> {
    const attemptedAt = deps.now();
    const manual = job.data.manual === true;
    // A disabled subscription is not called; its pending deliveries end as failed (recoverable).
    if (row.subscription_status !== 'enabled') return { job, row, manual, attemptedAt, result: undefined };
    const result = await deps.attempt({
      url: row.url,
      webhookId: row.event_id,
      body: row.payload,
      secrets: credentials.keys(row, attemptedAt),
      authHeader: credentials.authHeader(row),
    });
    return { job, row, manual, attemptedAt, result };
  }

  return async function work(jobs: Job<DeliveryJob>[], settled: (count: number) => void): Promise<void> {
    const rows = await load(deps.db, [...new Set(jobs.map((j) => j.data.d))]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const stale: Job<DeliveryJob>[] = [];
    const live: [Job<DeliveryJob>, LiveDelivery][] = [];
    const seen = new Set<string>();
    for (const job of jobs) {
      const row = byId.get(job.data.d);
      if (!row || row.status !== 'pending' || row.generation !== job.data.g || seen.has(row.id)) stale.push(job);
      else live.push([job, row]);
      seen.add(job.data.d);
    }
    const done = [
      ...(stale.length > 0 ? [recorder.add(stale.map((job) => ({ job })))] : []),
      ...live.map(async ([job, row]) => recorder.add([await deliver(job, row)])),
    ].map((p, i) => p.then(() => settled(i === 0 && stale.length > 0 ? stale.length : 1)));
    // A job whose attempt threw stays active and runs again once pg-boss expires it.
    for (const r of await Promise.allSettled(done)) if (r.status === 'rejected') deps.onError(r.reason);
  };
}
