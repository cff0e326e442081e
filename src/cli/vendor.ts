// `gatehouse vendor ...`: vendors through the admin API. `create --json` prints at least
// vendor_id, client_id, client_secret and vendor_api_key (the secrets are shown once).
import type { Command } from 'commander';
import { call } from './admin-client.ts';
import { adminCommand, fields, handle, id, table, wholeNumber, type Listed, type Shown } from './command.ts';

function show(r: Shown & { api_keys: unknown[]; client_secret?: string; vendor_api_key?: string }): string {
  return fields([
    ['vendor_id', r.vendor_id],
    ['name', r.name],
    ['status', r.status],
    ['client_id', r.client_id],
    ...(r.client_secret ? [['client_secret', `${r.client_secret}   (shown once: store it now)`] as [string, unknown]] : []),
    ...(r.vendor_api_key ? [['vendor_api_key', `${r.vendor_api_key}   (shown once: store it now)`] as [string, unknown]] : []),
    ...(r.previous_key_expires_at ? [['previous key until', r.previous_key_expires_at] as [string, unknown]] : []),
    ['api keys live', r.api_keys.length],
  ]);
}

export function vendorCommands(program: Command): void {
  const vendor = program.command('vendor').description('vendors (the OEM side: their OAuth client and Vendor API key)');
  adminCommand(vendor, 'create', 'a vendor, its OAuth client and its Vendor API key (secrets shown once)')
    .requiredOption('--name <name>', "the vendor's name")
    .action(handle(({ t, opts }) => call(t, 'POST', '/vendors', { name: opts.name }), show));
  adminCommand(vendor, 'list', 'list vendors').action(
    handle(
      ({ t }) => call<Listed<'vendors'>>(t, 'GET', '/vendors'),
      (r) =>
        table(
          ['VENDOR_ID', 'NAME', 'CLIENT_ID', 'STATUS'],
          r.vendors.map((x) => [x.vendor_id, x.name, x.client_id, x.status]),
          'no vendors',
        ),
    ),
  );
  adminCommand(vendor, 'get <id>', 'show a vendor').action(handle(({ t, args }) => call(t, 'GET', `/vendors/${id(args[0])}`), show));
  for (const action of ['disable', 'enable']) {
    adminCommand(vendor, `${action} <id>`, `${action} a vendor`).action(handle(({ t, args }) => call(t, 'POST', `/vendors/${id(args[0])}/${action}`), show));
  }
  adminCommand(vendor, 'rotate-key <id>', 'a new Vendor API key; the old one works --overlap seconds more')
    .option('--overlap <seconds>', 'how long the old key keeps working', wholeNumber('--overlap', 'a number of seconds'))
    .action(
      handle(
        ({ t, args, opts }) => call(t, 'POST', `/vendors/${id(args[0])}/rotate-api-key`, opts.overlap === undefined ? {} : { overlap_seconds: opts.overlap }),
        show,
      ),
    );
}
