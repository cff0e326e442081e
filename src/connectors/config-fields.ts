// A connector's connectionConfig and credentials fields: their schemas, the rules a field's
// declaration must follow, and the check of a value given for one (at connect time).
import { AppError, errors } from '../errors.ts';
import { FIELD_NAME_PATTERN } from './templates.ts';
import type { FromSchema } from 'json-schema-to-ts';

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
export const fieldName = { type: 'string', pattern: FIELD_NAME_PATTERN } as const;
const description = { type: 'string', maxLength: 2000 } as const;

// A per-connection setting, asked for when an organization connects (a site, a zone, a tenant).
export const configField = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'title', 'type'],
  properties: {
    name: fieldName,
    title: text(200),
    type: { type: 'string', enum: ['string', 'number', 'boolean'] },
    enum: { type: 'array', minItems: 1, maxItems: 200, uniqueItems: true, items: { anyOf: [{ type: 'string', maxLength: 500 }, { type: 'number' }] } },
    pattern: text(500),
    format: { type: 'string', enum: ['hostname', 'uri', 'uuid', 'email'] },
    default: { anyOf: [{ type: 'string', maxLength: 2000 }, { type: 'number' }, { type: 'boolean' }] },
    description,
  },
} as const;
// A per-connection secret for the non-OAuth modes; stored sealed, never shown again.
export const credentialField = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'title'],
  properties: { name: fieldName, title: text(200), secret: { type: 'boolean' }, description },
} as const;

export type ConfigField = FromSchema<typeof configField>;

function invalid(field: string, message: string): AppError {
  return errors.Invalid(`body/${field} ${message}`);
}

/** The rules of connectionConfig declarations the schema cannot express. */
export function checkConfigFields(fields: readonly ConfigField[]): void {
  for (const [i, f] of fields.entries()) {
    const at = `connectionConfig/${i}`;
    if (f.type !== 'string' && (f.pattern !== undefined || f.format !== undefined)) throw invalid(at, 'pattern and format apply only to type string');
    if (f.pattern !== undefined) {
      try {
        new RegExp(f.pattern, 'u');
      } catch {
        throw invalid(`${at}/pattern`, 'is not a valid regular expression');
      }
    }
    for (const value of f.enum ?? []) {
      if (typeof value !== (f.type === 'number' ? 'number' : 'string') || f.type === 'boolean')
        throw invalid(`${at}/enum`, `must list values of type ${f.type}`);
    }
    if (f.default !== undefined && checkConfigValue(f, f.default) !== undefined) throw invalid(`${at}/default`, checkConfigValue(f, f.default)!);
  }
}

const FORMATS: Record<NonNullable<ConfigField['format']>, (value: string) => boolean> = {
  // RFC 1123 §2.1 host names: dot-separated labels of letters, digits and hyphens.
  hostname: (v) => v.length <= 253 && /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$/.test(v),
  uri: (v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'https:' || u.protocol === 'http:';
    } catch {
      return false;
    }
  },
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  email: (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v),
};

/** What is wrong with `value` for the config field `f`, or undefined when it fits. */
export function checkConfigValue(f: ConfigField, value: unknown): string | undefined {
  if (typeof value !== f.type) return `must be a ${f.type}`;
  if (typeof value === 'number' && !Number.isFinite(value)) return 'must be a finite number';
  if (f.enum && !f.enum.includes(value as string | number)) return `must be one of: ${f.enum.join(', ')}`;
  if (typeof value === 'string') {
    if (value.length > 2000) return 'must be at most 2000 characters';
    if (/[\0\r\n]/.test(value)) return 'must not contain line breaks';
    if (f.pattern !== undefined && !new RegExp(f.pattern, 'u').test(value)) return `must match pattern "${f.pattern}"`;
    if (f.format !== undefined && !FORMATS[f.format](value)) return `must be a ${f.format}`;
  }
  return undefined;
}
