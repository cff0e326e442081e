// What the OEM and Vendor API surfaces share: the error body of seeds 000/001
// ({status, error, message}), validation messages that name the offending field, no caching of
// responses that may carry secrets, and an audit event for every refused request.
import type { FastifySchemaValidationError } from 'fastify';
import type { App } from './route-types.ts';
import { validationDetail } from '../errors.ts';
import type { Audit } from '../audit/audit.ts';

export const oemError = {
  type: 'object',
  properties: { status: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } },
  required: ['status', 'error', 'message'],
};

export const errorResponses = { '4xx': oemError, '5xx': oemError };

/** For routes that take no query parameters: unknown ones are refused like unknown body fields. */
export const noQuery = { type: 'object', additionalProperties: false, properties: {} } as const;

/** Seed 000: "400 Bad Request - Malformed request body", followed by which field and why. */
function schemaErrorFormatter(errors: FastifySchemaValidationError[], dataVar: string): Error {
  return new Error(`${dataVar === 'body' ? 'Malformed request body' : 'Malformed request'}: ${validationDetail(errors, dataVar)}`);
}

/** Route defaults for an OEM-style surface and the audit of refused requests. */
export function oemSurface(app: App, { audit }: { audit: Audit }, surface: 'oem' | 'vendor_api', tag: string) {
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), audience: 'oem' } as typeof route.config;
    route.schemaErrorFormatter ??= schemaErrorFormatter;
    route.schema = { tags: [tag], ...route.schema };
  });
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode < 400 || request.auditSuppressed) return;
    audit.record({
      action: `${surface}.refused`,
      outcome: 'failure',
      actor: request.vendorId ?? null,
      clientId: request.clientId ?? null,
      ip: request.ip,
      details: { method: request.method, route: request.routeOptions.url ?? null, status: reply.statusCode, error: request.errorCode ?? null },
    });
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The vendor a request was authenticated as (OEM and Vendor API). (decorated with its initial value in src/http/request-fields.ts) */
    vendorId: string | null;
  }
}
