// The Fastify instance the route modules register on. Its type provider derives each handler's
// request.params, body, querystring and headers from the route's JSON schemas (json-schema-to-ts
// through Fastify's provider), so a handler reads validated input without casting it. Schemas
// are declared `as const` so their literal types reach FromSchema; at run time the instance and
// the schemas are exactly what they were.
//
// Replies stay untyped on purpose: the provider would type a reply as the union of every status
// code's schema, which refuses `reply.code(204).send()` and checks little else, since the error
// schemas are open objects that any value matches.
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyTypeProvider,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';

export type { FromSchema } from 'json-schema-to-ts';

/** What the package's provider derives from a schema, as Fastify itself asks a provider for it. */
type Validated<Schema> = (JsonSchemaToTsProvider & { schema: Schema })['validator'];

interface SchemaTypes extends FastifyTypeProvider {
  validator: Validated<this['schema']>;
  serializer: unknown;
}

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, SchemaTypes>;
