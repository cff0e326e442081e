// App launch tokens (seed 003: "signed JSON Web Token (JWT) authentication to launch the
// application"): short-lived JWTs for one partner app, verifiable against the JWKS. They carry
// typ "JWT", so the token endpoint's resource checks (which want at+jwt, RFC 9068 §4) never
// mistake one for an access token.
import { randomUUID } from 'node:crypto';
import type { Keystore } from '../keys/keystore.ts';

const LAUNCH_TTL_SECONDS = 300;
/** The query parameter the launch URL receives the token in. */
const LAUNCH_PARAM = 'token';

export interface Launch {
  clientId: string;
  userId: string;
  organizationId: string;
  email: string;
}

export function launchToken(keystore: Keystore, issuer: string, launch: Launch): { token: string; jti: string } {
  const now = Math.floor(Date.now() / 1000);
  const jti = randomUUID();
  const token = keystore.sign(
    {
      iss: issuer,
      aud: launch.clientId,
      sub: launch.userId,
      tenant_id: launch.organizationId,
      email: launch.email,
      iat: now,
      exp: now + LAUNCH_TTL_SECONDS,
      jti,
    },
    'JWT',
  );
  return { token, jti };
}

export function launchUrl(base: string, token: string): string {
  const url = new URL(base);
  url.searchParams.set(LAUNCH_PARAM, token);
  return url.toString();
}
