// The template catalogue: connector definitions for the tools MSPs run, one JSON file each in
// ./catalogue/, named by its file. A template is a definition without the operator's own values
// (an OAuth client's id and secret); creating a connector from one merges the operator's
// overrides over it, and the merged definition is validated like any other.
import { readdirSync, readFileSync } from 'node:fs';
import { errors } from '../errors.ts';
import { merge, type DefinitionInput } from './definition.ts';

export interface ConnectorTemplate {
  name: string;
  title: string;
  /** What is unusual about the vendor, for the operator (the data fields carry the rest). */
  quirks: string[];
  definition: DefinitionInput;
}

const TEMPLATE_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const DIRECTORY = new URL('./catalogue/', import.meta.url);

function parse(name: string, text: string): ConnectorTemplate {
  const data = JSON.parse(text) as Partial<ConnectorTemplate>;
  const ok =
    typeof data.title === 'string' &&
    Array.isArray(data.quirks) &&
    data.quirks.every((q) => typeof q === 'string') &&
    typeof data.definition === 'object' &&
    data.definition !== null;
  // A shipped file, so a programming error: the process does not start with a broken catalogue.
  if (!ok) throw new Error(`connector template ${name} needs title, quirks and definition`);
  return { name, title: data.title!, quirks: data.quirks!, definition: data.definition! };
}

/** Every template in `directory` (the shipped catalogue by default), by name. */
export function loadTemplates(directory: URL = DIRECTORY): Map<string, ConnectorTemplate> {
  const templates = new Map<string, ConnectorTemplate>();
  for (const file of readdirSync(directory).sort()) {
    if (!file.endsWith('.json')) continue;
    const name = file.slice(0, -'.json'.length);
    if (!TEMPLATE_NAME.test(name)) throw new Error(`connector template file ${file}: names are lower-case words joined by dashes`);
    templates.set(name, parse(name, readFileSync(new URL(file, directory), 'utf8')));
  }
  return templates;
}

export class Catalogue {
  #templates: Map<string, ConnectorTemplate>;

  constructor(templates: Map<string, ConnectorTemplate> = loadTemplates()) {
    this.#templates = templates;
  }

  list(): ConnectorTemplate[] {
    return [...this.#templates.values()];
  }

  get(name: string): ConnectorTemplate {
    const template = this.#templates.get(name);
    if (!template) throw errors.Invalid(`body/template "${name}" is not a connector template (GET /admin/api/v1/connector-templates lists them)`);
    return template;
  }

  /** The template's definition with `overrides` merged over it (nested objects one level down, null removes). */
  definition(name: string, overrides: DefinitionInput = {}): DefinitionInput {
    return merge(structuredClone(this.get(name).definition), overrides);
  }
}
