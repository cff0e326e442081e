// Request validation. Bodies are checked as sent: no type coercion and no silently dropped
// fields, so `{"limit": "5"}` or an unknown key is a 400 naming the field. Query strings, path
// parameters and headers arrive as text, so there numbers and booleans are coerced from it.
// The `email` format is the project's own check (src/email.ts), the same one forms use.
import type { FastifyInstance, FastifySchema } from 'fastify';
import AjvCompiler from '@fastify/ajv-compiler';
import { isEmail } from '../email.ts';

const ownFormats = (ajv: { addFormat(name: string, format: { type: 'string'; validate: (value: string) => boolean }): unknown }) => {
  ajv.addFormat('email', { type: 'string', validate: isEmail });
};

export function validation(app: FastifyInstance) {
  const factory = AjvCompiler();
  const base = { removeAdditional: false, allErrors: false, useDefaults: true } as const;
  const strict = factory({}, { customOptions: { ...base, coerceTypes: false }, plugins: [], onCreate: ownFormats } as any);
  const fromText = factory({}, { customOptions: { ...base, coerceTypes: 'array' }, plugins: [], onCreate: ownFormats } as any);
  app.setValidatorCompiler((route: { schema: FastifySchema; method: string; url: string; httpPart?: string }) =>
    (route.httpPart === 'body' ? strict : fromText)(route as any));
}
