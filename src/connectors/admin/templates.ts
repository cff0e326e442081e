// Admin API: the connector template catalogue (connectors/catalogue.ts), and the
// `{template, overrides}` form of a connector definition that POST /connectors accepts.
import type { App } from '../../http/route-types.ts';
import { errors } from '../../errors.ts';
import type { Services } from '../../services.ts';
import type { Catalogue } from '../catalogue.ts';
import type { DefinitionInput } from '../definition.ts';

const templateView = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    title: { type: 'string' },
    authMode: { type: 'string' },
    documentationUrl: { type: 'string' },
    quirks: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** A body naming a template becomes the template's definition with the overrides merged over it; any other body is left as it is. */
export function fromTemplate(catalogue: Catalogue, body: unknown): unknown {
  if (typeof body !== 'object' || body === null || !('template' in body)) return body;
  const { template, overrides, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw errors.Invalid(`body/${extra[0]} is not an allowed field next to template (put it in overrides)`);
  if (typeof template !== 'string') throw errors.Invalid('body/template must be a template name');
  if (overrides !== undefined && (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides))) {
    throw errors.Invalid('body/overrides must be an object of definition fields');
  }
  return catalogue.definition(template, (overrides ?? {}) as DefinitionInput);
}

export function adminTemplateRoutes(app: App, { connectors }: Services) {
  app.get(
    '/connector-templates',
    {
      schema: {
        tags: ['admin: connectors'],
        summary: 'List the connector templates (create a connector from one with POST /connectors {template, overrides})',
        response: { 200: { type: 'object', properties: { templates: { type: 'array', items: templateView } } } },
      },
    },
    async () => ({
      templates: connectors.catalogue.list().map((t) => ({
        name: t.name,
        title: t.title,
        authMode: t.definition.authMode ?? 'oauth2',
        documentationUrl: t.definition.documentationUrl,
        quirks: t.quirks,
      })),
    }),
  );
}
