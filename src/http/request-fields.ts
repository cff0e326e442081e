// What hooks and handlers attach to a request, declared once on the root instance. Fastify's
// advice: decorate with an initial value (null for objects, which cannot be shared between
// requests; false for a flag), so every request object has the same properties from the start and
// V8 keeps one hidden class for them; the hooks then only assign.
import type { FastifyInstance } from 'fastify';
import type { MspCaller } from '../msp/auth.ts';
import type { BearerCaller } from '../oauth/bearer.ts';
import type { IdempotencyClaim } from '../oem/idempotency.ts';
import type { VendorContext } from '../vendor-api/mspc-auth.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The OAuth client the request authenticated as, or named (token endpoints, OEM API). */
    clientId: string | null;
    /** The vendor a request was authenticated as (OEM and Vendor API). */
    vendorId: string | null;
    /** Who a resource endpoint's Bearer token speaks for (BearerGuard.require). */
    bearer: BearerCaller | null;
    /** The MSP API caller (MspAuth.check). */
    mspCaller: MspCaller | null;
    /** The integration an MSPC_TOKEN reaches (Vendor API). */
    vendorContext: VendorContext | null;
    /** The code of the error this request was answered with, for metrics and the audit log. */
    errorCode: string | null;
    /** The Idempotency-Key this request claimed, until its answer is kept or the key released (OEM API). */
    idempotencyClaim: IdempotencyClaim | null;
    /** Set when this refusal is one of a flood: counted in metrics, not written to the audit log. */
    auditSuppressed: boolean;
  }
}

/** Declare every request field on the root instance, before any route is added. */
export function decorateRequestFields(app: FastifyInstance): void {
  app.decorateRequest('clientId', null);
  app.decorateRequest('vendorId', null);
  app.decorateRequest('bearer', null);
  app.decorateRequest('mspCaller', null);
  app.decorateRequest('vendorContext', null);
  app.decorateRequest('errorCode', null);
  app.decorateRequest('idempotencyClaim', null);
  app.decorateRequest('auditSuppressed', false);
}
