// Record ids: 96 random bits as 24 hex characters, the shape vendors already handle (seed 001's
// ids look like "68c24cd92dfe9dd9ae53cd1b").
import { randomBytes } from 'node:crypto';

export function newId(): string {
  return randomBytes(12).toString('hex');
}
