// The operator console's list pages with many records: 10,000 organizations and 100,000 audit
// events (bench/console/server.ts seeds them), signed in with the admin token through the real
// sign-in form. Each page is fetched once to check that it answers 200 with rows, then loaded
// for the configured duration by BENCH_CONSOLE_CONNECTIONS connections (default 1: an
// operator's page load, not a queue behind the embedded database's one connection).
// Target (issue 15): p50 <= 100 ms for every list page on embedded PGlite; the same pages on
// PostgreSQL (when one answers) are extra rows, p99 reported beside each.
import { fileURLToPath } from 'node:url';
import { startChild } from '../lib/child.ts';
import { load } from '../lib/load.ts';
import { withPostgres } from '../lib/postgres.ts';
import { atMost, reported, type CaseOptions, type CaseResult, type Check, type Row } from '../lib/report.ts';

export const name = 'console: list pages with 10,000 organizations and 100,000 audit events';

const SERVER = fileURLToPath(new URL('../console/server.ts', import.meta.url));
const TARGET_MS = 100;
/** How deep the "deep page" of organizations is: this many "Next page" links followed. */
const DEEP_PAGES = 100;

interface Info {
  url: string;
  adminToken: string;
  seededMs: number;
  probes: { actor: string; clientId: string; vendorId: string; email: string; auditBefore: string; orgSearch: string };
}

/** The name=value pairs of a response's Set-Cookie headers. */
function cookiesOf(res: Response): Record<string, string> {
  return Object.fromEntries(res.headers.getSetCookie().map((c) => c.split(';')[0]!.split('=') as [string, string]));
}

/** Sign in as the console's sign-in form does: its CSRF cookie and field, then the admin token. */
async function signIn(info: Info): Promise<string> {
  const page = await fetch(`${info.url}/console/login`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  const jar = cookiesOf(page);
  if (page.status !== 200 || !csrf || !jar.gh_csrf) throw new Error(`the sign-in page gave no CSRF token (${page.status})`);
  const signedIn = await fetch(`${info.url}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `gh_csrf=${jar.gh_csrf}` },
    body: new URLSearchParams({ csrf, method: 'token', token: info.adminToken }).toString(),
  });
  const session = cookiesOf(signedIn).gh_console;
  if (signedIn.status !== 303 || !session) throw new Error(`signing in with the admin token failed: ${signedIn.status} ${await signedIn.text()}`);
  return `gh_csrf=${jar.gh_csrf}; gh_console=${session}`;
}

const LISTED = /<tbody>\s*<tr/;

/** A page's body (undefined for a 404), refused unless it is a 200 that lists something. */
async function page(info: Info, cookie: string, path: string, expect = LISTED): Promise<string | undefined> {
  const res = await fetch(`${info.url}${path}`, { headers: { cookie }, redirect: 'manual' });
  const body = await res.text();
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 300)}`);
  if (!expect.test(body)) throw new Error(`${path}: the page lists nothing, so its figures would not be about a list`);
  return body;
}

const nextOf = (body: string) => /<a href="([^"]+)" rel="next">/.exec(body)?.[1]?.replaceAll('&amp;', '&');

/** The URL of the page reached by following "Next page" `count` times from `path`. */
async function deep(info: Info, cookie: string, path: string, count: number): Promise<string> {
  let at = path;
  for (let i = 0; i < count; i++) {
    const next = nextOf((await page(info, cookie, at))!);
    if (!next) throw new Error(`${path}: no next page after ${i} pages`);
    at = next;
  }
  return at;
}

/** A datetime-local value (UTC) `days` before now. */
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 16);

async function measure(database: 'pglite' | 'postgres', databaseUrl: string | undefined, options: CaseOptions) {
  const child = await startChild<Info>(SERVER, { BENCH_DATABASE_URL: databaseUrl ?? '' });
  const rows: Row[] = [];
  const checks: Check[] = [];
  try {
    const info = child.info;
    const p = info.probes;
    const cookie = await signIn(info);
    const pages: [string, string, RegExp?][] = [
      ['overview', '/console', /id="counts"[\s\S]*<ul class="attention"/],
      ['audit, newest', '/console/audit'],
      ['audit, action', `/console/audit?action=token.refused`],
      ['audit, actor', `/console/audit?actor=${encodeURIComponent(p.actor)}`],
      ['audit, client', `/console/audit?client_id=${p.clientId}`],
      ['audit, outcome', '/console/audit?outcome=failure'],
      ['audit, one day 10 days ago', `/console/audit?since=${daysAgo(10)}&until=${daysAgo(9)}`],
      ['audit, action and last hour', `/console/audit?action=token.refused&since=${daysAgo(1 / 24)}`],
      ['audit, deep page', `/console/audit?before=${p.auditBefore}`],
      ['vendors', '/console/vendors'],
      ['vendor and its organizations', `/console/vendors/${p.vendorId}`],
      ['clients', '/console/clients'],
      ['clients, search', '/console/clients?search=psa'],
    ];
    const day = `/console/audit?since=${daysAgo(10)}&until=${daysAgo(9)}`;
    pages.push(['audit, one day 10 days ago, page 6', await deep(info, cookie, day, 5)]);
    const organizations = await page(info, cookie, '/console/organizations');
    if (organizations === undefined) {
      checks.push({ name: `organizations list (${database})`, value: 0, goal: 'not available: no /console/organizations on this build', pass: false });
    } else {
      pages.push(
        ['organizations', '/console/organizations'],
        ['organizations, name', `/console/organizations?search=${p.orgSearch}`],
        ['organizations, user email', `/console/organizations?search=${encodeURIComponent(p.email)}`],
        ['organizations, vendor id', `/console/organizations?search=${p.vendorId}`],
        [`organizations, page ${DEEP_PAGES + 1}`, await deep(info, cookie, '/console/organizations', DEEP_PAGES)],
      );
      const first = /<a href="(\/console\/organizations\/[0-9a-f]+)">/.exec(organizations)?.[1];
      if (first) pages.push(['an organization (users, integrations)', first, /<h1>/]);
    }
    for (const [label, path, expect] of pages) {
      await page(info, cookie, path, expect);
      const result = await load({
        url: `${info.url}${path}`,
        headers: { cookie },
        connections: Number(process.env.BENCH_CONSOLE_CONNECTIONS ?? 1),
        durationSeconds: options.durationSeconds,
      });
      rows.push({ name: `${label} (${database})`, ...result });
      checks.push(atMost(`${label} p50 ms (${database})`, result.latencyP50Ms, TARGET_MS));
      checks.push(reported(`${label} p99 ms (${database})`, result.latencyP99Ms));
    }
    checks.push(reported(`seeding 10,000 organizations and 100,000 audit events, s (${database})`, info.seededMs / 1000));
  } finally {
    await child.stop();
  }
  return { rows, checks };
}

export async function run(options: CaseOptions): Promise<CaseResult> {
  const pglite = await measure('pglite', undefined, options);
  const postgres = await withPostgres((url) => measure('postgres', url, options));
  return {
    rows: [...pglite.rows, ...(postgres?.rows ?? [])],
    checks: [...pglite.checks, ...(postgres?.checks ?? [])],
  };
}
