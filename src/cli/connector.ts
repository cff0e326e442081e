// `gatehouse connector ...`: outbound connectors through the admin API.
// `connector create --config FILE --json` prints the connector (connector_id included).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { call, CliError } from './admin-client.ts';
import { adminCommand, fields, handle, id, table, type Listed, type Shown } from './command.ts';

async function definitionFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function show(r: Shown & { redirect_uri: string }): string {
  const oauth = (r.authMode ?? 'oauth2') === 'oauth2';
  return fields([
    ['connector_id', r.connector_id],
    ['name', r.name],
    ['auth_mode', r.authMode ?? 'oauth2'],
    ...(oauth
      ? ([
          ['grant_type', r.grantType],
          ['token_url', r.tokenUrl],
        ] as [string, unknown][])
      : []),
    ['api_base_url', r.apiBaseUrl],
    ...(r.documentationUrl ? ([['documentation', r.documentationUrl]] as [string, unknown][]) : []),
    ...(oauth ? ([['redirect_uri', `${r.redirect_uri}   (register this with the vendor)`]] as [string, unknown][]) : []),
  ]);
}

export function connectorCommands(program: Command): void {
  const connector = program.command('connector').description('outbound connectors (OAuth to MSP platforms)');
  adminCommand(connector, 'create', 'define a connector from a JSON file, or from a template with the file as overrides')
    .option('--config <file>', 'the connector definition (JSON); with --template, the fields merged over the template')
    .option('--template <name>', 'start from this template (see `connector templates`)')
    .action(
      handle(async ({ t, opts }) => {
        if (opts.template) return call(t, 'POST', '/connectors', { template: opts.template, overrides: opts.config ? await definitionFile(opts.config) : {} });
        if (!opts.config) throw new CliError('give --config FILE (a definition) or --template NAME');
        return call(t, 'POST', '/connectors', await definitionFile(opts.config));
      }, show),
    );
  adminCommand(connector, 'templates', 'list the connector templates (MSP tools) a connector can start from').action(
    handle(
      ({ t }) => call<{ templates: { name: string; title: string; authMode: string; documentationUrl: string }[] }>(t, 'GET', '/connector-templates'),
      (r) =>
        table(
          ['TEMPLATE', 'TITLE', 'AUTH', 'DOCUMENTATION'],
          r.templates.map((x) => [x.name, x.title, x.authMode, x.documentationUrl]),
          'no templates',
        ),
    ),
  );
  adminCommand(connector, 'update <id>', 'change the fields the file names')
    .requiredOption('--config <file>', 'the fields to change (JSON)')
    .action(handle(async ({ t, args, opts }) => call(t, 'PATCH', `/connectors/${id(args[0])}`, await definitionFile(opts.config)), show));
  adminCommand(connector, 'list', 'list connectors').action(
    handle(
      ({ t }) => call<Listed<'connectors'>>(t, 'GET', '/connectors'),
      (r) =>
        table(
          ['CONNECTOR_ID', 'NAME', 'AUTH', 'API'],
          r.connectors.map((c) => [c.connector_id, c.name, typeof c.grantType === 'string' ? `oauth2 ${c.grantType}` : c.authMode, c.apiBaseUrl]),
          'no connectors',
        ),
    ),
  );
  adminCommand(connector, 'get <id>', 'show a connector').action(handle(({ t, args }) => call(t, 'GET', `/connectors/${id(args[0])}`), show));
  adminCommand(connector, 'delete <id>', 'delete a connector').action(
    handle(
      async ({ t, args }) => {
        await call(t, 'DELETE', `/connectors/${id(args[0])}`);
        return { connector_id: args[0], deleted: true };
      },
      (r) => `deleted connector ${r.connector_id}`,
    ),
  );
  adminCommand(connector, 'link <id>', 'a one-time connect link (authorization code) for an organization')
    .requiredOption('--organization <id>', 'the organization that connects')
    .action(
      handle(
        ({ t, args, opts }) =>
          call<{ expires_at: string; url: string }>(t, 'POST', `/connectors/${id(args[0])}/connect-links`, { organization_id: opts.organization }),
        (r) => `connect link (single use, until ${r.expires_at}):\n${r.url}`,
      ),
    );
}
