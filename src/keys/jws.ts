// Compact JWS signing (RFC 7515 §7.1) on libuv's thread pool. Node's one-shot crypto.sign with a
// callback runs the private-key operation off the event loop, so under load the main thread only
// encodes and the signatures are computed on the other cores. Output is byte-for-byte what the
// synchronous fast-jwt signer produces for the same header and claims.
import { sign, type KeyObject } from 'node:crypto';
import type { SigningAlgorithm } from '../config.ts';

export type AsyncSigner = (claims: Record<string, unknown>) => Promise<string>;

/** The digest crypto.sign takes per JWS algorithm (Ed25519 hashes internally). */
const DIGEST: Record<SigningAlgorithm, string | null> = { ES256: 'sha256', RS256: 'sha256', EdDSA: null };

/** P-256 coordinate size: an ES256 signature is r || s, 32 bytes each (RFC 7518 §3.4). */
const ES256_SIZE = 32;

/**
 * ECDSA signatures come back DER-encoded: SEQUENCE { INTEGER r, INTEGER s }. JWS wants r and s
 * as fixed-width big-endian integers. (Asking Node for 'ieee-p1363' directly needs an options
 * object, which Node's key parsing handles far more slowly than a bare KeyObject.)
 */
export function derToJose(der: Buffer, size: number): Buffer {
  const out = Buffer.alloc(size * 2);
  let offset = der[1] & 0x80 ? 2 + (der[1] & 0x7f) : 2; // past the SEQUENCE tag and length
  for (let i = 0; i < 2; i++) {
    if (der[offset] !== 0x02) throw new Error('malformed ECDSA signature');
    const length = der[offset + 1];
    let start = offset + 2;
    let n = length;
    // A leading zero byte keeps a DER INTEGER positive; it is not part of the value.
    while (n > size && der[start] === 0) {
      start++;
      n--;
    }
    if (n > size) throw new Error('malformed ECDSA signature');
    der.copy(out, (i + 1) * size - n, start, start + n);
    offset += 2 + length;
  }
  return out;
}

/** A signer for one key and header. The header is encoded once; claims are encoded per call. */
export function createAsyncSigner(key: KeyObject, alg: SigningAlgorithm, header: Record<string, unknown>): AsyncSigner {
  const prefix = Buffer.from(JSON.stringify({ alg, ...header })).toString('base64url') + '.';
  const digest = DIGEST[alg];
  return (claims) =>
    new Promise<string>((resolve, reject) => {
      const input = prefix + Buffer.from(JSON.stringify(claims)).toString('base64url');
      sign(digest, Buffer.from(input), key, (error, signature) => {
        if (error) return reject(error);
        try {
          const raw = alg === 'ES256' ? derToJose(signature, ES256_SIZE) : signature;
          resolve(input + '.' + raw.toString('base64url'));
        } catch (failure) {
          reject(failure);
        }
      });
    });
}
