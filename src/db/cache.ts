// The read-through cache behind every hot lookup (clients, vendors, connectors, connection
// credentials). Signals drop entries when another instance changes a row; an entry also dies of
// age, so a signal missed while the listener was away cannot keep a stale row alive for long.
import { RESYNC, type Signal } from './index.ts';

/** How long any cached row is trusted without a signal. */
export const CACHE_LIFETIME_MS = 60_000;

export interface CacheOptions<V> {
  /** Keep this loaded value? Unknown rows are usually not kept, so a new row is seen at once. */
  keep?: (value: V) => boolean;
  lifetimeMs?: number;
  now?: () => number;
}

export class LoadingCache<V> {
  #entries = new Map<string, { value: Promise<V>; until: number }>();
  #keep: (value: V) => boolean;
  #lifetime: number;
  #now: () => number;

  constructor(options: CacheOptions<V> = {}) {
    this.#keep = options.keep ?? (() => true);
    this.#lifetime = options.lifetimeMs ?? CACHE_LIFETIME_MS;
    this.#now = options.now ?? Date.now;
  }

  /** The cached value, or `load()`'s, shared by concurrent callers. Failures are never kept. */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const entry = { value: load(), until: now + this.#lifetime };
    this.#entries.set(key, entry);
    const drop = () => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    };
    entry.value.then((v) => {
      if (!this.#keep(v)) drop();
    }, drop);
    return entry.value;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** True when `s` may have made rows of `topic` stale: its own signal, or a resync after deafness. */
export function touches(s: Signal, topic: string): boolean {
  return s.topic === topic || s.topic === RESYNC;
}
