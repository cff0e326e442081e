// Request validation. Bodies are checked as sent: no type coercion and no silently dropped
// fields, so `{"limit": "5"}` or an unknown key is a 400 naming the field. Query strings, path
// parameters and headers arrive as text, so there numbers and booleans are coerced from it.
// Two rules hold on every route, whatever its schema says, because PostgreSQL could not store
// the value: no text with a NUL or an unpaired surrogate anywhere in the body, query or path
// parameters, and no date-time it cannot take (see db/storable.ts).
import type { FastifyInstance, FastifySchema, preValidationHookHandler } from 'fastify';
import AjvCompiler from '@fastify/ajv-compiler';
import { isStorableDateTime, unstorablePath } from '../db/storable.ts';
import { isEmail } from '../email.ts';
import { errors, validationDetail } from '../errors.ts';

/** Ids of bigserial rows given in a request (cursors such as before=): 18 digits always fit a bigint. */
export const serialId = { type: 'string', pattern: '^[0-9]{1,18}$' } as const;

/**
 * The project's own formats: date-time (RFC 3339 §5.6, as ajv-formats checks it) narrowed to what
 * PostgreSQL stores, and email by the same check the forms use (src/email.ts).
 */
function ownFormats(ajv: AjvCompiler.Ajv): void {
  const rfc3339 = ajv.formats['date-time'] as { validate: (value: string) => boolean; compare?: unknown } | undefined;
  if (!rfc3339?.validate) throw new Error('ajv-formats did not define date-time');
  ajv.addFormat('date-time', { ...rfc3339, validate: (value: string) => rfc3339.validate(value) && isStorableDateTime(value) } as never);
  ajv.addFormat('email', { type: 'string', validate: isEmail });
}

/** Thrown like a schema violation, so each surface answers it in its own 400. */
function unstorable(part: string, path: string): Error {
  const error = new Error(`${part}${path} must not contain NUL or unpaired surrogate characters`) as Error & {
    validation: unknown[];
    validationContext: string;
    statusCode: number;
  };
  error.validation = [{ keyword: 'storable', instancePath: path, params: {}, message: 'is not storable' }];
  error.validationContext = part;
  error.statusCode = 400;
  return error;
}

/**
 * Header names are case-insensitive (RFC 9110 §5.1) and Node hands them over lower-cased. Fastify
 * lower-cases a headers schema's names for its own compiler only, not for a custom one like this
 * file's, so a schema may name `Idempotency-Key` as the documents spell it and still apply.
 */
function lowerCaseNames(schema: FastifySchema): FastifySchema {
  const { properties, required } = schema as { properties?: Record<string, unknown>; required?: string[] };
  return {
    ...schema,
    ...(properties ? { properties: Object.fromEntries(Object.entries(properties).map(([name, value]) => [name.toLowerCase(), value])) } : {}),
    ...(required ? { required: required.map((name) => name.toLowerCase()) } : {}),
  } as FastifySchema;
}

const base = { removeAdditional: false, allErrors: false, useDefaults: true } as const;
const options = (coerceTypes: false | 'array') => ({ customOptions: { ...base, coerceTypes }, plugins: [], onCreate: ownFormats });

/**
 * A body check outside a route, as strict as a route's and answering in the same words: for a page
 * whose form becomes a body an admin route's schema describes (the console's connector forms).
 * Throws a 400 naming the field, as the route would.
 */
export function bodyCheck(schema: object): (value: unknown) => void {
  const validate = AjvCompiler()({}, options(false))({ schema, method: 'POST', url: '/', httpPart: 'body' } as never) as ((value: unknown) => boolean) & {
    errors?: Parameters<typeof validationDetail>[0] | null;
  };
  return (value) => {
    if (!validate(value)) throw errors.Invalid(validationDetail(validate.errors ?? [], 'body'));
  };
}

export function validation(app: FastifyInstance) {
  const factory = AjvCompiler();
  const strict = factory({}, options(false));
  const fromText = factory({}, options('array'));
  // The compiler's types name its argument a schema; at run time it takes the whole route.
  app.setValidatorCompiler((route: { schema: FastifySchema; method: string; url: string; httpPart?: string }) =>
    (route.httpPart === 'body' ? strict : fromText)(route.httpPart === 'headers' ? { ...route, schema: lowerCaseNames(route.schema) } : route),
  );
  // Before the schemas, so that no route (with a schema or without) sees such text: each route
  // gets the check first among its preValidation hooks as it is declared, chosen by its config
  // then rather than looked up on every request (the not-found handler takes `storableInput`).
  app.addHook('onRoute', (route) => {
    const check = route.config?.forwardsInput === true ? forwardedInput : storableInput;
    route.preValidation = [check, ...[route.preValidation ?? []].flat()];
  });
}

/**
 * No text PostgreSQL could not store in the path parameters, query string or body. A route that
 * forwards its query and wildcard path as they came (the connector proxy) has only its own
 * parameters checked: the rest is the vendor's to judge. Synchronous: it runs on every request,
 * the token endpoint's included.
 */
function inputCheck(forwards: boolean): preValidationHookHandler {
  return (request, _reply, done) => {
    const params = forwards ? { ...(request.params as Record<string, unknown>), '*': undefined } : request.params;
    for (const [part, value] of [
      ['params', params],
      ['querystring', forwards ? undefined : request.query],
      ['body', request.body],
    ] as const) {
      const path = unstorablePath(value);
      if (path !== undefined) return done(unstorable(part, path === '/' ? '' : path));
    }
    done();
  };
}

export const storableInput = inputCheck(false);
const forwardedInput = inputCheck(true);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route passes its query string and wildcard path on unparsed, storing neither. */
    forwardsInput?: boolean;
  }
}
