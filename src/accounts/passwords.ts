// Password hashing: argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane).
// Unknown accounts are checked against a hash of nothing, so a sign-in takes as long whether or
// not the account exists.
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';

const ARGON2: Options = { algorithm: 2 as Algorithm /* argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 };

const MIN_PASSWORD = 8;
const MAX_PASSWORD = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false; // a malformed stored hash is a failed check, never a crash
  }
}

/** Burn the time of one verification (for accounts that do not exist or have no password). */
export class DecoyHash {
  #hash: Promise<string> | undefined;

  async verify(password: string): Promise<false> {
    this.#hash ??= hash('gatehouse decoy password', ARGON2);
    await verifyPassword(await this.#hash, password);
    return false;
  }
}

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string, email: string): string | undefined {
  if (password.length < MIN_PASSWORD) return `Use at least ${MIN_PASSWORD} characters.`;
  if (password.length > MAX_PASSWORD) return `Use at most ${MAX_PASSWORD} characters.`;
  if (password.trim().toLowerCase() === email.toLowerCase()) return 'Do not use your email address as your password.';
  return undefined;
}
