// Background loops (the job queue, webhook dispatch and delivery) retry on their own while the
// database is away. Logged attempt by attempt, an outage buries everything else in the log: this
// reports it once a minute per loop instead, and any other failure as it happens.
import type { Logger } from 'pino';
import { databaseAway } from './errors.ts';

const QUIET_MS = 60_000;

export function backgroundErrors(log: Logger, what: string, now: () => number = Date.now): (err: unknown) => void {
  let quietUntil = 0;
  let suppressed = 0;
  return (err) => {
    if (!databaseAway(err)) {
      log.error({ err }, what);
      return;
    }
    if (now() < quietUntil) {
      suppressed++;
      return;
    }
    const cause = (err as { message?: string })?.message;
    log.warn({ cause, suppressed }, `${what}: the database is unavailable; retrying (repeats are logged once a minute)`);
    quietUntil = now() + QUIET_MS;
    suppressed = 0;
  };
}
