// `${connectionConfig.NAME}` and `${credentials.NAME}` in a connector definition: the one place
// that parses and fills them. A definition is checked when it is written (every placeholder names a
// declared field); a connection's values fill them when it connects, and anything left unresolved
// is refused there, so no request ever carries a literal `${`.

export type TemplateSource = 'connectionConfig' | 'credentials';

export interface Placeholder {
  source: TemplateSource;
  name: string;
}

/** A field name: what may follow `connectionConfig.` or `credentials.` in a placeholder. */
export const FIELD_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';

const PLACEHOLDER = /\$\{(connectionConfig|credentials)\.([A-Za-z_][A-Za-z0-9_]{0,63})\}/g;

export class TemplateError extends Error {}

/** The placeholders in `text`; throws TemplateError for a `${` that opens none of them. */
export function placeholders(text: string): Placeholder[] {
  const found: Placeholder[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) found.push({ source: m[1] as TemplateSource, name: m[2]! });
  const rest = text.replace(PLACEHOLDER, '');
  if (rest.includes('${')) {
    const at = rest.indexOf('${');
    throw new TemplateError(`has "${rest.slice(at, at + 40)}", which is not \${connectionConfig.NAME} or \${credentials.NAME}`);
  }
  return found;
}

export type TemplateValues = { connectionConfig: Record<string, string>; credentials: Record<string, string> };

/**
 * `text` with its placeholders filled. A placeholder without a value throws TemplateError naming
 * it (never its neighbours' values: a credential must not reach an error message).
 */
export function fill(text: string, values: TemplateValues, encode: (value: string, placeholder: Placeholder) => string = (v) => v): string {
  placeholders(text);
  return text.replace(PLACEHOLDER, (_match, source: TemplateSource, name: string) => {
    const value = Object.hasOwn(values[source], name) ? values[source][name] : undefined;
    if (value === undefined) throw new TemplateError(`\${${source}.${name}} has no value`);
    return encode(value, { source, name });
  });
}
