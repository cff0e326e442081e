// Command dispatch and argument parsing. Human output by default, --json for scripts.
import { parseArgs } from 'node:util';
import { call, CliError, target } from './admin-client.ts';
import { printVendor, VENDOR_USAGE, vendorCommand } from './vendor.ts';
import { CONNECTOR_USAGE, connectionCommand, connectorCommand, printConnection, printConnector } from '../connectors/cli.ts';

const USAGE = `usage: gatehouse <command> [options]

  start                         start the server (embedded database unless DATABASE_URL is set)
  migrate                       apply database migrations
  client create --name NAME [--grant-types "a b"] [--scopes "a b"] [--redirect-uri URI]...
                [--public] [--implicit] [--tenant-scope] [--skip-consent] [--introspect]
                [--token-format jwt|opaque] [--ttl SECONDS] [--launch-url URL]
  client list | get ID | delete ID | rotate-secret ID
  client update ID [same options as create]
  keys list | rotate
${VENDOR_USAGE}
${CONNECTOR_USAGE}

Options: --json prints machine-readable output.
The client, keys and vendor commands call the running server: GATEHOUSE_URL (default
http://localhost:$PORT) and GATEHOUSE_ADMIN_TOKEN.`;

const OPTIONS = {
  json: { type: 'boolean' },
  name: { type: 'string' },
  'grant-types': { type: 'string' },
  scopes: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  public: { type: 'boolean' },
  implicit: { type: 'boolean' },
  'tenant-scope': { type: 'boolean' },
  'skip-consent': { type: 'boolean' },
  introspect: { type: 'boolean' },
  'token-format': { type: 'string' },
  ttl: { type: 'string' },
  'launch-url': { type: 'string' },
  overlap: { type: 'string' },
  config: { type: 'string' },
  connector: { type: 'string' },
  organization: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

const words = (s: string | undefined) => (s === undefined ? undefined : s.split(/[\s,]+/).filter(Boolean));

function clientBody(v: Values) {
  const body: Record<string, unknown> = {};
  if (v.name !== undefined) body.name = v.name;
  if (v['grant-types'] !== undefined) body.grant_types = words(v['grant-types']);
  if (v.scopes !== undefined) body.scopes = words(v.scopes);
  if (v['redirect-uri'] !== undefined) body.redirect_uris = v['redirect-uri'];
  if (v.public) body.type = 'public';
  if (v.implicit) body.allow_implicit = true;
  if (v['tenant-scope']) body.tenant_scope = true;
  if (v['skip-consent']) body.skip_consent = true;
  if (v.introspect) body.introspect = true;
  if (v['token-format'] !== undefined) body.token_format = v['token-format'];
  if (v['launch-url'] !== undefined) body.launch_url = v['launch-url'];
  if (v.ttl !== undefined) {
    if (!/^\d+$/.test(v.ttl)) throw new CliError('--ttl must be a number of seconds');
    body.access_token_ttl = Number(v.ttl);
  }
  return body;
}

function printClient(c: any) {
  const lines = [
    `client_id:      ${c.client_id}`,
    ...(c.client_secret ? [`client_secret:  ${c.client_secret}   (shown once: store it now)`] : []),
    `name:           ${c.name}`,
    `type:           ${c.type}`,
    `grant_types:    ${c.grant_types.join(' ')}`,
    `scopes:         ${c.scopes.join(' ') || '(none)'}`,
    `redirect_uris:  ${c.redirect_uris.join(' ') || '(none)'}`,
    `token_format:   ${c.token_format}`,
    ...(c.introspect ? ['introspect:     tokens of every client (resource server)'] : []),
  ];
  return lines.join('\n');
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

async function clientCommand(sub: string | undefined, id: string | undefined, v: Values): Promise<unknown> {
  const t = target();
  const need = () => {
    if (!id) throw new CliError(`client ${sub} needs a client id`);
    return encodeURIComponent(id);
  };
  switch (sub) {
    case 'create':
      if (!v.name) throw new CliError('client create needs --name');
      return call(t, 'POST', '/clients', clientBody(v));
    case 'list':
      return call(t, 'GET', '/clients');
    case 'get':
      return call(t, 'GET', `/clients/${need()}`);
    case 'update':
      return call(t, 'PATCH', `/clients/${need()}`, clientBody(v));
    case 'delete':
      await call(t, 'DELETE', `/clients/${need()}`);
      return { deleted: id };
    case 'rotate-secret':
      return call(t, 'POST', `/clients/${need()}/rotate-secret`);
    default:
      throw new CliError(`unknown client command "${sub ?? ''}"`);
  }
}

function human(kind: string, sub: string | undefined, result: any): string {
  if (kind === 'vendor') return printVendor(sub, result);
  if (kind === 'connector') return printConnector(sub, result);
  if (kind === 'connection') return printConnection(sub, result);
  if (kind === 'client') {
    if (sub === 'list') {
      return result.clients.length === 0 ? 'no clients' :
        table([['CLIENT_ID', 'NAME', 'TYPE', 'GRANTS', 'SCOPES'], ...result.clients.map((c: any) => [c.client_id, c.name, c.type, c.grant_types.join(' '), c.scopes.join(' ')])]);
    }
    if (sub === 'delete') return `deleted client ${result.deleted}`;
    return printClient(result);
  }
  return table([['KID', 'ALG', 'STATUS', 'CREATED', 'EXPIRES'], ...result.keys.map((k: any) => [k.kid, k.alg, k.status, k.created_at, k.expires_at ?? '-'])]);
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`gatehouse: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, sub, id] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && !values.help ? 2 : 0;
  }
  try {
    // Only these two need the server and the database; the others load just an HTTP client.
    if (command === 'start') return await (await import('./server.ts')).start();
    if (command === 'migrate') return await (await import('./server.ts')).migrateCommand();
    let result: unknown;
    if (command === 'client') result = await clientCommand(sub, id, values);
    else if (command === 'vendor') result = await vendorCommand(target(), sub, id, values);
    else if (command === 'connector') result = await connectorCommand(target(), sub, id, values);
    else if (command === 'connection') result = await connectionCommand(target(), sub, id, values);
    else if (command === 'keys' && (sub === 'list' || sub === 'rotate')) {
      result = await call(target(), sub === 'list' ? 'GET' : 'POST', sub === 'list' ? '/keys' : '/keys/rotate');
    } else throw new CliError(`unknown command "${[command, sub].filter(Boolean).join(' ')}"`);
    process.stdout.write(`${values.json ? JSON.stringify(result, null, 2) : human(command, sub, result)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`gatehouse: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
