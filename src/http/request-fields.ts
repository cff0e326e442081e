// What hooks and handlers attach to a request, declared once on the root instance. Fastify's
// advice: decorate with an initial value (null for objects, which cannot be shared between
// requests; false for a flag), so every request object has the same properties from the start
// and V8 keeps one hidden class for them; the hooks then only assign. Each field's type is
// declared (`declare module 'fastify'`) beside the code that sets it.
import type { FastifyInstance } from 'fastify';

/** Declare every request field on the root instance, before any route is added. */
export function decorateRequestFields(app: FastifyInstance): void {
  app.decorateRequest('clientId', null); // oauth/client-auth.ts
  app.decorateRequest('vendorId', null); // http/oem-surface.ts
  app.decorateRequest('bearer', null); // oauth/bearer.ts
  app.decorateRequest('mspCaller', null); // msp/auth.ts
  app.decorateRequest('vendorContext', null); // vendor-api/index.ts
  app.decorateRequest('idempotencyClaim', null); // oem/idempotency.ts
  app.decorateRequest('errorCode', null); // errors.ts
  app.decorateRequest('auditSuppressed', false); // ops/auth-failures.ts
  app.decorateRequest('rateLimitCounted', false); // ops/rate-limit.ts
  app.decorateRequest('consoleSession', null); // console/index.ts
}
