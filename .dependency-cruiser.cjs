// Layer rules for src/, checked by `npm test` (npm run layers) before the tests run.
//
// The layers, bottom to top (a module may import its own layer and those below it):
//   base      errors.ts and error-catalog.ts (the error kinds every layer throws), config.ts,
//             config-error.ts, crypto.ts, email.ts, logger.ts, net/, http/paths.ts (the browser
//             paths several layers name) and http/authorization.ts (the Bearer grammar, which
//             config.ts checks the configured tokens against). They import only each other, and
//             errors.ts the driver-error predicates in db/errors.ts (which import nothing)
//   storage   db/, which imports only itself, the error classes it throws, and crypto.ts (the
//             one-time-token store keeps only the SHA-256 of the random tokens it mints)
//   domain    the services: accounts, clients, integrations, organizations, vendors, events,
//             audit, keys, the webhooks and connectors modules outside their http/ and admin/
//             folders, the OAuth stores and helpers (authorizations, codes, refresh-tokens,
//             tokens, pkce, scope, launch, claims, id-tokens), and the background plumbing ops/jobs.ts, ops/redis.ts
//   http      everything that speaks HTTP: the route modules of each surface (oauth's endpoints,
//             admin, oem, vendor-api, msp, partner, connectors/http and /admin, webhooks/http),
//             the pages (ui), the operator console (console), the shared HTTP helpers (http/, ops/ except jobs and redis), and
//             services.ts, the bundle of services handed to routes
//   root      app.ts (the composition root: it builds the services and wires pages into the
//             protocol routes), main.ts and cli/ (whose admin commands talk to a server over HTTP)
// Apart: packages/client, the published SDK, which imports nothing from the server, and which
// the server does not import.
//
// Type-only imports count like any other: a type import still ties a lower module to a higher
// one, and `import type` cycles are cycles for whoever reads the code.

const BASE = '^src/(errors|error-catalog|config|config-error|crypto|email|logger)[.]ts$|^src/net/|^src/http/(paths|authorization)[.]ts$';
const DOMAIN = [
  '^src/(accounts|clients|integrations|organizations|vendors|events|audit|keys)/',
  '^src/webhooks/[^/]+[.]ts$',
  '^src/connectors/([^/]+[.]ts$|proxy/)',
  '^src/oauth/(authorizations|codes|refresh-tokens|tokens|pkce|scope|launch|claims|id-tokens)[.]ts$',
  '^src/ops/(jobs|redis)[.]ts$',
];
const HTTP = [
  '^src/(ui|admin|oem|vendor-api|msp|partner|console)/',
  '^src/connectors/(http|admin)/',
  '^src/webhooks/http/',
  '^src/http/(?!(paths|authorization)[.]ts$)',
  '^src/ops/(?!(jobs|redis)[.]ts$)',
  '^src/oauth/(authorize/|grants/|(http|token|revoke|introspect|metadata|client-auth|bearer|user-tokens|userinfo|end-session)[.]ts$)',
  '^src/services[.]ts$',
];
const ROOT = '^src/(app|main)[.]ts$|^src/cli/';
const LAYERED = ['^src/db/', '^packages/client/', BASE, ...DOMAIN, ...HTTP, ROOT];

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No import cycles anywhere in src/, type-only ones included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'every-module-has-a-layer',
      comment: 'A new module must be placed in one of the layers above (BASE, DOMAIN, HTTP, ROOT, or db/), or the rules would not see it.',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERED },
      to: {},
    },
    {
      name: 'every-imported-module-has-a-layer',
      comment: 'The same, for a new module that imports nothing itself.',
      severity: 'error',
      from: {},
      to: { path: '^src/', pathNot: LAYERED },
    },
    {
      name: 'base-imports-only-base',
      comment: 'The base modules are imported by every layer, so they import only each other (and the driver-error predicates in db/errors.ts, which import nothing).',
      severity: 'error',
      from: { path: BASE },
      to: { path: '^src/', pathNot: [BASE, '^src/db/errors[.]ts$'] },
    },
    {
      name: 'storage-imports-nothing-above',
      comment: 'db/ is the bottom of the stack: it may import itself, the base error modules and crypto.ts (which imports nothing), nothing that uses it.',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/', pathNot: ['^src/db/', '^src/(errors|config-error|crypto)[.]ts$'] },
    },
    {
      name: 'domain-below-http',
      comment: 'Services never import the HTTP layer (routes, pages, shared HTTP helpers, services.ts) or the composition root: routes call services, not the other way round.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: [...HTTP, ROOT] },
    },
    {
      name: 'protocol-does-not-import-pages',
      comment: 'OAuth code never imports the pages: app.ts passes the page renderers into the authorize routes (see AuthorizePages).',
      severity: 'error',
      from: { path: '^src/oauth/' },
      to: { path: '^src/ui/' },
    },
    {
      name: 'pages-do-not-import-other-surfaces',
      comment: 'The pages are used by other surfaces (connectors/http renders with them), so they do not import those surfaces: app.ts hands in what they show (e.g. the connections DashboardSection).',
      severity: 'error',
      from: { path: '^src/ui/' },
      to: { path: '^src/(connectors/(http|admin)|admin|oem|vendor-api|msp|partner|console)/' },
    },
    {
      name: 'surfaces-share-through-http',
      comment: 'One API surface does not import another; what they share lives in src/http/.',
      severity: 'error',
      from: { path: '^src/(admin|oem|vendor-api|msp|partner|console)/' },
      to: { path: '^src/(admin|oem|vendor-api|msp|partner|console)/', pathNot: '^src/$1/' },
    },
    {
      name: 'shared-http-helpers-below-surfaces',
      comment: 'src/http/ holds what several surfaces share, so it imports none of them (nor the pages or the OAuth routes).',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: ['^src/(ui|admin|oem|vendor-api|msp|partner|console)/', '^src/connectors/(http|admin)/', '^src/webhooks/http/', '^src/oauth/'] },
    },
    {
      name: 'cli-through-its-client',
      comment: 'The admin commands reach the server only through cli/admin-client.ts (HTTP), never by importing server code; cli/server.ts, the command that starts the server, is the one exception.',
      severity: 'error',
      from: { path: '^src/cli/', pathNot: '^src/cli/server[.]ts$' },
      to: { path: '^src/', pathNot: '^src/cli/' },
    },
    {
      name: 'root-is-imported-by-no-one',
      comment: 'app.ts, main.ts and the CLI sit on top: only main.ts (and cli/server.ts for app.ts) import them.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main[.]ts$', '^src/cli/'] },
      to: { path: ROOT },
    },
    {
      name: 'sdk-stands-alone',
      comment: '@gatehouse/client is published with no dependencies: it imports nothing from the server, and the server does not import it.',
      severity: 'error',
      from: { path: '^packages/client/' },
      to: { pathNot: ['^packages/client/', '^node:', '^(fs|path|url|crypto)$'] },
    },
    {
      name: 'nothing-imports-the-sdk',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^packages/client/' },
    },
  ],
  options: {
    // swc parses TypeScript (typescript 7 has no JavaScript API for dependency-cruiser yet) and
    // keeps `import type` declarations, which the rules above count.
    parser: 'swc',
    includeOnly: ['^src/', '^packages/client/src/'],
    exclude: { path: '[.]test[.]ts$' },
    enhancedResolveOptions: { extensions: ['.ts'] },
    cache: false,
  },
};
