// Generate the SDK's wire types from the OpenAPI document the server serves, so the client package
// and the routes cannot drift: `node scripts/client-types.ts` rewrites
// packages/client/src/openapi.ts, and test/sdk-openapi-types.test.ts fails when that file differs
// from what the current document yields.
//
// A small printer rather than openapi-typescript: that tool prints through the TypeScript 5
// compiler API (its peer dependency), which the TypeScript this project builds with no longer
// has. The document's schemas use a small part of JSON Schema, and every keyword this printer
// does not know makes it fail loudly rather than print a looser type.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

export const CLIENT_TYPES_FILE = path.resolve(import.meta.dirname, '..', 'packages', 'client', 'src', 'openapi.ts');

/** The surfaces the SDK calls. */
const INCLUDED = (route: string) => route === '/oauth/token' || route.startsWith('/api/oem-api/') || route.startsWith('/api/vendor-api/');
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

type Schema = boolean | { [keyword: string]: unknown };

/** Keywords that constrain values but not their TypeScript shape. */
const IGNORED = new Set([
  'description',
  'example',
  'examples',
  'title',
  'default',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'multipleOf',
  'readOnly',
  'writeOnly',
  'deprecated',
  'nullable',
  'contentEncoding',
  'contentMediaType',
  // Conditional shapes (if/then/else) only narrow which properties may appear together; the
  // properties themselves are all listed under `properties`, which is what the type carries.
  'if',
  'then',
  'else',
]);

function typeOf(schema: Schema, indent: string): string {
  if (schema === true) return 'unknown';
  if (schema === false) return 'never';
  for (const keyword of Object.keys(schema)) {
    if (
      !IGNORED.has(keyword) &&
      !['type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'anyOf', 'oneOf', 'allOf'].includes(keyword)
    ) {
      throw new Error(`the type printer does not know the JSON Schema keyword "${keyword}"`);
    }
  }
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) {
    return ((schema.anyOf ?? schema.oneOf) as Schema[]).map((part) => parenthesise(typeOf(part, indent))).join(' | ');
  }
  if (Array.isArray(schema.allOf)) return (schema.allOf as Schema[]).map((part) => parenthesise(typeOf(part, indent))).join(' & ');
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : [];
  if (types.length === 0) {
    if (schema.properties) return objectType(schema, indent);
    throw new Error(`a schema without a type: ${JSON.stringify(schema)}`);
  }
  return types
    .map((type) => {
      switch (type) {
        case 'string':
          return 'string';
        case 'integer':
        case 'number':
          return 'number';
        case 'boolean':
          return 'boolean';
        case 'null':
          return 'null';
        case 'array':
          return `${parenthesise(typeOf((schema.items ?? true) as Schema, indent))}[]`;
        case 'object':
          return objectType(schema, indent);
        default:
          throw new Error(`unknown JSON Schema type "${type}"`);
      }
    })
    .join(' | ');
}

function objectType(schema: { [keyword: string]: unknown }, indent: string): string {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  const inner = `${indent}  `;
  const lines = Object.entries(properties).map(([name, property]) => `${inner}${key(name)}${required.has(name) ? '' : '?'}: ${typeOf(property, inner)};`);
  const extra = schema.additionalProperties;
  if (extra !== undefined && extra !== false) lines.push(`${inner}[key: string]: ${extra === true ? 'unknown' : typeOf(extra as Schema, inner)};`);
  if (lines.length === 0) return extra === false ? 'Record<string, never>' : 'Record<string, unknown>';
  return `{\n${lines.join('\n')}\n${indent}}`;
}

function parenthesise(type: string): string {
  return /^[\w"'[\]]+$/.test(type) || type.startsWith('{') ? type : `(${type})`;
}

function key(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

function operationType(operation: Operation, indent: string): string {
  const inner = `${indent}  `;
  const lines: string[] = [];
  for (const place of ['path', 'query', 'header']) {
    const parameters = (operation.parameters ?? []).filter((parameter) => parameter.in === place);
    if (parameters.length === 0) continue;
    const fields = parameters.map(
      (parameter) => `${inner}  ${key(parameter.name)}${parameter.required ? '' : '?'}: ${typeOf(parameter.schema ?? true, `${inner}  `)};`,
    );
    lines.push(`${inner}${place}: {\n${fields.join('\n')}\n${inner}};`);
  }
  const body = operation.requestBody?.content?.['application/json']?.schema ?? operation.requestBody?.content?.['application/x-www-form-urlencoded']?.schema;
  if (body !== undefined) lines.push(`${inner}requestBody: ${typeOf(body, inner)};`);
  const responses = Object.entries(operation.responses ?? {}).flatMap(([status, response]) => {
    const schema = response.content?.['application/json']?.schema;
    return schema === undefined ? [] : [`${inner}  ${key(status)}: ${typeOf(schema, `${inner}  `)};`];
  });
  lines.push(`${inner}responses: {\n${responses.join('\n')}\n${inner}};`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}

/** The document as the server builds it, for a throwaway in-memory instance. */
export async function openApiDocument(): Promise<{ paths: Record<string, Record<string, Operation>> }> {
  const gatehouse = await buildApp(
    loadConfig({
      GATEHOUSE_DATA_DIR: 'memory://',
      GATEHOUSE_ADMIN_TOKEN: 'client-types-generator-token',
      GATEHOUSE_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'),
      GATEHOUSE_PUBLIC_URL: 'http://gatehouse.invalid',
      LOG_LEVEL: 'silent',
    }),
  );
  try {
    await gatehouse.app.ready();
    return gatehouse.app.swagger() as unknown as { paths: Record<string, Record<string, Operation>> };
  } finally {
    await gatehouse.close();
  }
}

/** The file's text: one `paths` interface keyed by route and method, as openapi-typescript shapes it. */
export async function renderClientTypes(): Promise<string> {
  const document = await openApiDocument();
  const routes = Object.keys(document.paths).filter(INCLUDED).sort();
  const entries = routes.map((route) => {
    const methods = METHODS.filter((method) => document.paths[route][method]).map(
      (method) => `    ${method}: ${operationType(document.paths[route][method], '    ')};`,
    );
    return `  ${JSON.stringify(route)}: {\n${methods.join('\n')}\n  };`;
  });
  return [
    '// Generated by scripts/client-types.ts from the OpenAPI document Gatehouse serves; do not edit.',
    '// Run `node scripts/client-types.ts` after changing a route schema of the OEM API, the Vendor API or',
    '// the token endpoint (test/sdk-openapi-types.test.ts says when it is due).',
    '',
    'export interface paths {',
    ...entries,
    '}',
    '',
  ].join('\n');
}

if (import.meta.main) {
  await writeFile(CLIENT_TYPES_FILE, await renderClientTypes());
  console.log(`wrote ${path.relative(process.cwd(), CLIENT_TYPES_FILE)}`);
}
