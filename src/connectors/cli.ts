// `gatehouse connector ...` and `gatehouse connection ...` through the admin API.
// `connector create --config FILE --json` prints the connector (connector_id included);
// `connection create --connector ID --organization ORG_ID --json` prints connection_id and status.
import { readFile } from 'node:fs/promises';
import { call, CliError, type AdminTarget } from '../cli/admin-client.ts';

export const CONNECTOR_USAGE = `  connector create --config FILE    define a connector from a JSON file (seed 004 fields)
  connector update ID --config FILE  change the fields the file names
  connector list | get ID | delete ID
  connector link ID --organization ORG_ID   a one-time connect link (authorization code)
  connection create --connector ID --organization ORG_ID   connect (client credentials)
  connection list [--organization ORG_ID] [--connector ID] | get ID | refresh ID | delete ID`;

export interface ConnectorOptions {
  config?: string;
  connector?: string;
  organization?: string;
}

async function definitionFile(file: string | undefined, command: string): Promise<unknown> {
  if (!file) throw new CliError(`connector ${command} needs --config FILE`);
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

function needId(kind: string, sub: string, id: string | undefined): string {
  if (!id) throw new CliError(`${kind} ${sub} needs an id`);
  return encodeURIComponent(id);
}

export async function connectorCommand(t: AdminTarget, sub: string | undefined, id: string | undefined, v: ConnectorOptions): Promise<unknown> {
  switch (sub) {
    case 'create':
      return call(t, 'POST', '/connectors', await definitionFile(v.config, 'create'));
    case 'update':
      return call(t, 'PATCH', `/connectors/${needId('connector', sub, id)}`, await definitionFile(v.config, 'update'));
    case 'list':
      return call(t, 'GET', '/connectors');
    case 'get':
      return call(t, 'GET', `/connectors/${needId('connector', sub, id)}`);
    case 'delete':
      await call(t, 'DELETE', `/connectors/${needId('connector', sub, id)}`);
      return { connector_id: id, deleted: true };
    case 'link':
      if (!v.organization) throw new CliError('connector link needs --organization ORG_ID');
      return call(t, 'POST', `/connectors/${needId('connector', sub, id)}/connect-links`, { organization_id: v.organization });
    default:
      throw new CliError(`unknown connector command "${sub ?? ''}"`);
  }
}

export async function connectionCommand(t: AdminTarget, sub: string | undefined, id: string | undefined, v: ConnectorOptions): Promise<unknown> {
  switch (sub) {
    case 'create':
      if (!v.connector || !v.organization) throw new CliError('connection create needs --connector ID and --organization ORG_ID');
      return call(t, 'POST', '/connections', { connector_id: v.connector, organization_id: v.organization });
    case 'list': {
      const query = new URLSearchParams();
      if (v.organization) query.set('organization_id', v.organization);
      if (v.connector) query.set('connector_id', v.connector);
      return call(t, 'GET', `/connections${query.size ? `?${query}` : ''}`);
    }
    case 'get':
      return call(t, 'GET', `/connections/${needId('connection', sub, id)}`);
    case 'refresh':
      return call(t, 'POST', `/connections/${needId('connection', sub, id)}/refresh`);
    case 'delete':
      return call(t, 'DELETE', `/connections/${needId('connection', sub, id)}`);
    default:
      throw new CliError(`unknown connection command "${sub ?? ''}"`);
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export function printConnector(sub: string | undefined, r: any): string {
  if (sub === 'list') {
    if (r.connectors.length === 0) return 'no connectors';
    return table([['CONNECTOR_ID', 'NAME', 'GRANT', 'API'], ...r.connectors.map((c: any) => [c.connector_id, c.name, c.grantType, c.apiBaseUrl])]);
  }
  if (sub === 'delete') return `deleted connector ${r.connector_id}`;
  if (sub === 'link') return `connect link (single use, until ${r.expires_at}):\n${r.url}`;
  return [
    `connector_id:   ${r.connector_id}`,
    `name:           ${r.name}`,
    `grant_type:     ${r.grantType}`,
    `token_url:      ${r.tokenUrl}`,
    `api_base_url:   ${r.apiBaseUrl}`,
    `redirect_uri:   ${r.redirect_uri}   (register this with the vendor)`,
  ].join('\n');
}

export function printConnection(sub: string | undefined, r: any): string {
  if (sub === 'list') {
    if (r.connections.length === 0) return 'no connections';
    return table([['CONNECTION_ID', 'CONNECTOR_ID', 'ORGANIZATION_ID', 'STATUS', 'LAST_REFRESH', 'EXPIRES'],
      ...r.connections.map((c: any) => [c.connection_id, c.connector_id, c.organization_id, c.status, c.last_refresh_at ?? '-', c.expires_at ?? '-'])]);
  }
  if (sub === 'delete') return `deleted connection ${r.connection_id}${r.revoked ? ' (revoked at the vendor)' : ''}`;
  return [
    `connection_id:  ${r.connection_id}`,
    `status:         ${r.status}`,
    `connector_id:   ${r.connector_id}`,
    `organization:   ${r.organization_id}`,
    `last_refresh:   ${r.last_refresh_at ?? '-'}`,
    `expires_at:     ${r.expires_at ?? '-'}`,
    ...(r.last_error ? [`last_error:     ${r.last_error}`] : []),
  ].join('\n');
}
