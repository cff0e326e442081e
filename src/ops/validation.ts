// Request validation. Bodies are checked as sent: no type coercion and no silently dropped
// fields, so `{"limit": "5"}` or an unknown key is a 400 naming the field. Query strings, path
// parameters and headers arrive as text, so there numbers and booleans are coerced from it.
import type { FastifyInstance, FastifySchema } from 'fastify';
import AjvCompiler from '@fastify/ajv-compiler';

export function validation(app: FastifyInstance) {
  const factory = AjvCompiler();
  const base = { removeAdditional: false, allErrors: false, useDefaults: true } as const;
  const strict = factory({}, { customOptions: { ...base, coerceTypes: false }, plugins: [] } as any);
  const fromText = factory({}, { customOptions: { ...base, coerceTypes: 'array' }, plugins: [] } as any);
  app.setValidatorCompiler((route: { schema: FastifySchema; method: string; url: string; httpPart?: string }) =>
    (route.httpPart === 'body' ? strict : fromText)(route as any));
}
