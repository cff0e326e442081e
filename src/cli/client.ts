// `gatehouse client ...`: OAuth clients through the admin API.
import { Option, type Command, type OptionValues } from 'commander';
import { call } from './admin-client.ts';
import { createGrants, updateGrants, type ExistingClient, type GrantFields } from './client-grants.ts';
import { adminCommand, fields, handle, id, table, wholeNumber, words, type Listed, type Shown } from './command.ts';

const repeated = (value: string, all?: string[]) => [...(all ?? []), value];

function clientOptions(command: Command): Command {
  return command
    .option(
      '--grant-types <grants>',
      'grant types, space-separated: client_credentials authorization_code refresh_token implicit (default: from the other options)',
      words,
    )
    .option('--scopes <scopes>', 'scopes the client may ask for, space-separated', words)
    .option('--redirect-uri <uri>', 'a redirect URI (repeat for several)', repeated)
    .option('--post-logout-redirect-uri <uri>', 'where the browser may go back after signing out (OpenID Connect logout; repeat for several)', repeated)
    .option('--implicit', 'an MSP app: a public client using the implicit grant, with exactly one --redirect-uri')
    .option('--tenant-scope', 'tokens carry the organization of the user who consented')
    .option('--skip-consent', 'no consent page (first-party apps)')
    .option('--introspect', "may introspect every client's tokens (a resource server; confidential only)")
    .addOption(new Option('--token-format <format>', 'access token format').choices(['jwt', 'opaque']))
    .option('--ttl <seconds>', 'access token lifetime (0: never expires, opaque only)', wholeNumber('--ttl', 'a number of seconds'))
    .option('--launch-url <url>', 'an app tile on the organization dashboard opens this URL');
}

/** The admin API body for the options given; grants are decided by client-grants.ts. */
function body(opts: OptionValues, grants: GrantFields) {
  const out: Record<string, unknown> = { ...grants };
  if (opts.name !== undefined) out.name = opts.name;
  if (opts.scopes !== undefined) out.scopes = opts.scopes;
  if (opts.redirectUri !== undefined) out.redirect_uris = opts.redirectUri;
  if (opts.postLogoutRedirectUri !== undefined) out.post_logout_redirect_uris = opts.postLogoutRedirectUri;
  if (opts.tenantScope) out.tenant_scope = true;
  if (opts.skipConsent) out.skip_consent = true;
  if (opts.introspect) out.introspect = true;
  if (opts.tokenFormat !== undefined) out.token_format = opts.tokenFormat;
  if (opts.launchUrl !== undefined) out.launch_url = opts.launchUrl;
  if (opts.ttl !== undefined) out.access_token_ttl = opts.ttl;
  return out;
}

const flags = (opts: OptionValues) => ({ grantTypes: opts.grantTypes, public: opts.public, implicit: opts.implicit, redirectUris: opts.redirectUri });

function show(c: Shown & { client_secret?: string }): string {
  return fields([
    ['client_id', c.client_id],
    ...(c.client_secret ? [['client_secret', `${c.client_secret}   (shown once: store it now)`] as [string, unknown]] : []),
    ['name', c.name],
    ['type', c.type],
    ['grant_types', c.grant_types],
    ['scopes', c.scopes],
    ['redirect_uris', c.redirect_uris],
    ...(Array.isArray(c.post_logout_redirect_uris) && c.post_logout_redirect_uris.length > 0
      ? [['post_logout_redirect_uris', c.post_logout_redirect_uris] as [string, unknown]]
      : []),
    ['token_format', c.token_format],
    ...(c.introspect ? [['introspect', 'tokens of every client (resource server)'] as [string, unknown]] : []),
  ]);
}

export function clientCommands(program: Command): void {
  const client = program.command('client').description('OAuth clients');

  clientOptions(adminCommand(client, 'create', "create a client (a confidential client's secret is shown once)"))
    .requiredOption('--name <name>', 'a name shown on consent pages')
    .option('--public', 'a public client (no secret): authorization_code refresh_token unless --grant-types')
    .action(handle(({ t, opts }) => call(t, 'POST', '/clients', body(opts, createGrants(flags(opts)))), show));

  adminCommand(client, 'list', 'list clients').action(
    handle(
      ({ t }) => call<Listed<'clients', Shown & { grant_types: string[]; scopes: string[] }>>(t, 'GET', '/clients'),
      (r) =>
        table(
          ['CLIENT_ID', 'NAME', 'TYPE', 'GRANTS', 'SCOPES'],
          r.clients.map((c) => [c.client_id, c.name, c.type, c.grant_types.join(' '), c.scopes.join(' ')]),
          'no clients',
        ),
    ),
  );

  adminCommand(client, 'get <id>', 'show a client').action(handle(({ t, args }) => call(t, 'GET', `/clients/${id(args[0])}`), show));

  clientOptions(adminCommand(client, 'update <id>', 'change the fields the options name'))
    .option('--name <name>', 'a new name')
    .action(
      handle(async ({ t, args, opts }) => {
        const existing: ExistingClient | undefined = opts.implicit ? await call<ExistingClient>(t, 'GET', `/clients/${id(args[0])}`) : undefined;
        return call(t, 'PATCH', `/clients/${id(args[0])}`, body(opts, updateGrants(flags(opts), existing)));
      }, show),
    );

  adminCommand(client, 'delete <id>', 'delete a client').action(
    handle(
      async ({ t, args }) => {
        await call(t, 'DELETE', `/clients/${id(args[0])}`);
        return { deleted: args[0] };
      },
      (r) => `deleted client ${r.deleted}`,
    ),
  );

  adminCommand(client, 'rotate-secret <id>', "replace a confidential client's secret (the new one is shown once)").action(
    handle(({ t, args }) => call(t, 'POST', `/clients/${id(args[0])}/rotate-secret`), show),
  );
}
