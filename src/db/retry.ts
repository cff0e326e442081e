// Work that may lose a race: PostgreSQL can abort one side of a deadlock (40P01) or a
// serialization failure (40001). Such a transaction, or single statement, changed nothing, so it
// is safe to run again; the caller never sees a 5xx for a race it did not cause.
const RETRYABLE = new Set(['40001', '40P01']);

/** Run `work` (one statement, or a whole transaction) again when the database aborted it for a race. */
export async function retrying<T>(work: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (attempt >= attempts || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
    }
  }
}
