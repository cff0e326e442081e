// `gatehouse vendor ...`: vendors through the admin API. `create --json` prints at least
// vendor_id, client_id, client_secret and vendor_api_key (the secrets are shown once).
import { call, CliError, type AdminTarget } from './admin-client.ts';

export const VENDOR_USAGE = `  vendor create --name NAME      a vendor, its OAuth client and its Vendor API key
  vendor list | get ID | disable ID | enable ID
  vendor rotate-key ID [--overlap SECONDS]   new Vendor API key; the old one works SECONDS more`;

export async function vendorCommand(t: AdminTarget, sub: string | undefined, id: string | undefined, v: { name?: string; overlap?: string }): Promise<unknown> {
  const need = () => {
    if (!id) throw new CliError(`vendor ${sub} needs a vendor id`);
    return encodeURIComponent(id);
  };
  switch (sub) {
    case 'create':
      if (!v.name) throw new CliError('vendor create needs --name');
      return call(t, 'POST', '/vendors', { name: v.name });
    case 'list':
      return call(t, 'GET', '/vendors');
    case 'get':
      return call(t, 'GET', `/vendors/${need()}`);
    case 'disable':
    case 'enable':
      return call(t, 'POST', `/vendors/${need()}/${sub}`);
    case 'rotate-key': {
      if (v.overlap !== undefined && !/^\d+$/.test(v.overlap)) throw new CliError('--overlap must be a number of seconds');
      return call(t, 'POST', `/vendors/${need()}/rotate-api-key`, v.overlap === undefined ? {} : { overlap_seconds: Number(v.overlap) });
    }
    default:
      throw new CliError(`unknown vendor command "${sub ?? ''}"`);
  }
}

export function printVendor(sub: string | undefined, r: any): string {
  if (sub === 'list') {
    if (r.vendors.length === 0) return 'no vendors';
    const rows = [['VENDOR_ID', 'NAME', 'CLIENT_ID', 'STATUS'], ...r.vendors.map((x: any) => [x.vendor_id, x.name, x.client_id, x.status])];
    const widths = rows[0].map((_: string, i: number) => Math.max(...rows.map((row: string[]) => row[i].length)));
    return rows.map((row: string[]) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
  }
  return [
    `vendor_id:       ${r.vendor_id}`,
    `name:            ${r.name}`,
    `status:          ${r.status}`,
    `client_id:       ${r.client_id}`,
    ...(r.client_secret ? [`client_secret:   ${r.client_secret}   (shown once: store it now)`] : []),
    ...(r.vendor_api_key ? [`vendor_api_key:  ${r.vendor_api_key}   (shown once: store it now)`] : []),
    ...(r.previous_key_expires_at ? [`previous key works until ${r.previous_key_expires_at}`] : []),
    `api keys live:   ${r.api_keys.length}`,
  ].join('\n');
}
