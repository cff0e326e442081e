// What signs and authenticates a subscription's deliveries, opened once and kept: opening a
// sealed value (AES-256-GCM) and turning a secret into an HMAC key for every delivery was a tenth
// of the delivery loop's time. An entry is keyed by the sealed values it was opened from, so a
// rotated secret or a changed auth header (a new sealed value) is opened afresh on its next
// delivery; the previous secret's expiry is checked on every delivery.
import type { KeyObject } from 'node:crypto';
import type { Sealer } from '../crypto.ts';
import type { Subscription } from './subscriptions.ts';
import { signingKey } from './signature.ts';

/** A delivery row's view of its subscription (see worker-deps.ts). */
type Sealed = Pick<Subscription, 'secret' | 'previous_secret' | 'previous_secret_expires_at' | 'auth_header' | 'auth_header_value'> & {
  subscription_id: string;
};

interface Opened {
  secret: string;
  previousSecret: string | null;
  authHeaderName: string | null;
  authHeaderValue: string | null;
  current: readonly KeyObject[];
  both: readonly KeyObject[];
  authHeader: { name: string; value: string } | undefined;
}

/** Past this many subscriptions the cache starts over (subscriptions are capped per organization, not overall). */
const MAX_ENTRIES = 10_000;

export class Credentials {
  #sealer: Sealer;
  #opened = new Map<string, Opened>();

  constructor(sealer: Sealer) {
    this.#sealer = sealer;
  }

  /** The keys that sign a message sent at `now`: the current secret's, and the previous one's during its overlap. */
  keys(row: Sealed, now: number): readonly KeyObject[] {
    const opened = this.#open(row);
    const overlap = row.previous_secret !== null && row.previous_secret_expires_at !== null && row.previous_secret_expires_at.getTime() > now;
    return overlap ? opened.both : opened.current;
  }

  /** The static auth header, when the subscription has one. */
  authHeader(row: Sealed): { name: string; value: string } | undefined {
    return this.#open(row).authHeader;
  }

  #open(row: Sealed): Opened {
    const known = this.#opened.get(row.subscription_id);
    if (
      known?.secret === row.secret &&
      known.previousSecret === row.previous_secret &&
      known.authHeaderName === row.auth_header &&
      known.authHeaderValue === row.auth_header_value
    ) {
      return known;
    }
    const current = [signingKey(this.#sealer.open(row.secret))];
    const opened: Opened = {
      secret: row.secret,
      previousSecret: row.previous_secret,
      authHeaderName: row.auth_header,
      authHeaderValue: row.auth_header_value,
      current,
      both: row.previous_secret ? [...current, signingKey(this.#sealer.open(row.previous_secret))] : current,
      authHeader: row.auth_header && row.auth_header_value ? { name: row.auth_header, value: this.#sealer.open(row.auth_header_value) } : undefined,
    };
    if (this.#opened.size >= MAX_ENTRIES) this.#opened.clear();
    this.#opened.set(row.subscription_id, opened);
    return opened;
  }
}
