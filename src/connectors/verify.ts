// Proving a connection's credentials when they are given: the connector's token exchange (two
// step) and its `verify` call, made through the proxy's own machinery. A 401 or 403 from the
// vendor refuses the connection (400, with the vendor's status and a short excerpt of its answer,
// credentials blanked out); any other failure lets it be stored `unverified`, with the reason.
import type { Dispatcher } from 'undici';
import { storableText } from '../db/storable.ts';
import { AppError, errors } from '../errors.ts';
import { OutboundRefused } from '../net/outbound.ts';
import { readLimited } from '../net/read-limited.ts';
import type { Unverified } from './connections.ts';
import type { Live } from './credentials.ts';
import { secretForms } from './proxy/credential.ts';
import { callVendor } from './proxy/forward.ts';
import { VendorTokenError } from './token-endpoint.ts';

const EXCERPT = 200;

/** The start of a vendor's answer, fit for an error message: no credential, no control characters. */
function excerpt(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secretForms(secrets)) out = out.replaceAll(secret, '[redacted]');
  out = out.replace(/\p{Cc}+/gu, ' ').trim();
  return storableText(out.length > EXCERPT ? `${out.slice(0, EXCERPT)}…` : out);
}

function refused(status: number, answer: string): AppError {
  return errors.Invalid(`the vendor refused these credentials: HTTP ${status}${answer ? `: ${answer}` : ''}`);
}

/** A two-step exchange that failed: a refusal of the credentials (400), else why it is unverified. */
export function exchangeFailure(error: unknown, secrets: readonly string[]): Unverified {
  // The address policy's refusal of the token host is the operator's rule: a 400, as for the verify call.
  if (error instanceof VendorTokenError && error.cause instanceof OutboundRefused) throw error.cause;
  if (error instanceof VendorTokenError && error.refusal && (error.refusal.status === 401 || error.refusal.status === 403)) {
    throw refused(error.refusal.status, excerpt(error.refusal.excerpt, secrets));
  }
  if (!(error instanceof VendorTokenError)) throw error;
  const answer = error.refusal ? excerpt(error.refusal.excerpt, secrets) : '';
  return { error: storableText(`${error.message}${answer ? `: ${answer}` : ''}`), vendorStatus: error.refusal?.status ?? null };
}

/**
 * Run the connector's verify call as `live` (a connection not yet stored, or stored with other
 * settings). Undefined when it passed or the connector declares none.
 */
export async function verifyConnection(agent: Dispatcher, live: Live, secrets: readonly string[]): Promise<Unverified | undefined> {
  const check = live.connector.definition.verify;
  if (!check) return undefined;
  let status: number;
  let text: string;
  try {
    const { response, secrets: placed } = await callVendor(agent, live, { method: check.method, rest: check.path, headers: {}, body: undefined });
    status = response.status;
    const { bytes } = await readLimited(response.body, 4096);
    text = excerpt(bytes.toString('utf8'), [...placed, ...secrets]);
  } catch (error) {
    // The address policy's refusal is the operator's rule, not the vendor's mood: a 400 as anywhere.
    if (error instanceof OutboundRefused) throw error;
    const message = error instanceof AppError ? error.message : 'the vendor could not be reached';
    return { error: storableText(`the verification call failed: ${message}`), vendorStatus: null };
  }
  if (status === 401 || status === 403) throw refused(status, text);
  if (status >= 200 && status < 300) return undefined;
  return { error: `the verification call answered HTTP ${status}${text ? `: ${text}` : ''}`, vendorStatus: status };
}
