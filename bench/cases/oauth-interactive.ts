// The interactive grants: authorization-code exchange (PKCE S256, client_secret_basic) and
// refresh-token rotation on Gatehouse (embedded PGlite, and PostgreSQL when one answers), with
// node-oidc-provider 9 side by side (rotating, ES256 JWT access tokens, the same client
// authentication). The fair peer keeps its state in PostgreSQL (oidc-provider-pg-adapter.ts),
// as Gatehouse does on disk; its in-memory development adapter, which keeps nothing, is an extra
// refresh row for reference. Each server counts the database statements it sends, so every
// PostgreSQL-backed row also says how many a request cost (background work included), and the
// CPU time a request cost in the server, in PostgreSQL and in the load generator, with the rate
// the machine's cores would allow at that cost (lib/cpu.ts): on two cores, all of them share.
// Both grants spend a single-use credential, so no request may repeat one:
// - code exchange: a pool of codes is minted up front by the server's real code-issuing service
//   and every request redeems the next one. The pool is sized from the warm-up's rate; should
//   the run still drain it, each connection stops at its share and the row says so. Codes live
//   60 seconds, so this measurement lasts at most CODE_SECONDS.
// - refresh: one chain per connection, started from a real code exchange; each connection
//   always sends the latest refresh token of its own chain. Every measured run (the warm-up too)
//   gets fresh chains, since a run that stops mid-request leaves the last token of a chain spent.
// Every response must be a 200 carrying a JWT access token and a refresh token; anything else
// is counted against the row.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { withChild } from '../lib/child.ts';
import { ownCpuMs, postgresCpuMs } from '../lib/cpu.ts';
import { loadRun, type LoadRun as Measured } from '../lib/load.ts';
import { withPostgres } from '../lib/postgres.ts';
import { atLeast, atMost, ratio, reported, type CaseOptions, type CaseResult, type Row } from '../lib/report.ts';

export const name = 'oauth-interactive: authorization_code and refresh_token';

/** Codes expire 60 s after minting: minting plus the run must stay well inside that. */
const CODE_SECONDS = 30;
const MINT_SECONDS = 25;
const WARMUP_CODES = 2000;
/** Issue 16's goals: Gatehouse against the PostgreSQL-backed peer, and in requests a second. */
const PEER_GOAL = 1.5;
const PGLITE_GOAL = 800;
const POSTGRES_GOAL = 2000;
/** Spend, read the grant and store the next tokens in one or two statements. */
const STATEMENTS_GOAL = 2;

const script = (file: string) => fileURLToPath(new URL(`../servers/${file}`, import.meta.url));
const FORM = 'application/x-www-form-urlencoded';

interface Server {
  url: string;
  control: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

const withServer = <T>(file: string, env: Record<string, string>, work: (info: Server) => Promise<T>) => withChild(script(file), env, work);

const headersOf = (info: Server) => ({
  authorization: `Basic ${Buffer.from(`${info.clientId}:${info.clientSecret}`).toString('base64')}`,
  'content-type': FORM,
});
const codeForm = (info: Server, [code, verifier]: [string, string]) =>
  `grant_type=authorization_code&code=${encodeURIComponent(code)}&code_verifier=${verifier}&redirect_uri=${encodeURIComponent(info.redirectUri)}`;
const refreshForm = (token: string) => `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`;

/** The refresh token of a good token response (an ES256 JWT access token and a refresh token), or undefined. */
function refreshTokenOf(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as { access_token?: unknown; refresh_token?: unknown };
    if (typeof json.access_token !== 'string' || typeof json.refresh_token !== 'string') return undefined;
    const header = JSON.parse(Buffer.from(json.access_token.split('.')[0], 'base64url').toString()) as { alg?: string };
    return header.alg === 'ES256' && json.access_token.split('.').length === 3 ? json.refresh_token : undefined;
  } catch {
    return undefined;
  }
}

async function mintCodes(info: Server, count: number): Promise<[string, string][]> {
  const res = await fetch(`${info.control}/codes?count=${count}`, { method: 'POST' });
  if (res.status !== 200) throw new Error(`minting ${count} codes failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as [string, string][];
}

/** Start `count` refresh chains, each with a real code exchange at the token endpoint. */
async function startChains(info: Server, tokenPath: string, count: number): Promise<string[]> {
  const codes = await mintCodes(info, count);
  return Promise.all(
    codes.map(async (code) => {
      const res = await fetch(`${info.url}${tokenPath}`, { method: 'POST', headers: headersOf(info), body: codeForm(info, code) });
      const body = await res.text();
      const token = res.status === 200 ? refreshTokenOf(body) : undefined;
      if (!token) throw new Error(`starting a refresh chain failed (expected an ES256 JWT and a refresh token): ${res.status} ${body.slice(0, 300)}`);
      return token;
    }),
  );
}

/** CPU milliseconds a request cost: in the server, in PostgreSQL (when it runs here) and in the load generator. */
interface CpuPerRequest {
  server: number;
  postgres?: number;
  load: number;
}

/** A measured run, with the database statements the server sent and the CPU used, per completed request. */
type Counted = Measured & { statementsPerRequest: number; cpuMsPerRequest: CpuPerRequest };

interface Reading {
  statements: number;
  cpuMs: number;
  postgres?: number;
  load: number;
}

async function read(info: Server): Promise<Reading> {
  const res = await fetch(`${info.control}/statements`);
  if (res.status !== 200) throw new Error(`reading the statement count failed: ${res.status}`);
  const server = (await res.json()) as { statements: number; cpuMs: number };
  return { ...server, postgres: postgresCpuMs(), load: ownCpuMs() };
}

async function counting(info: Server, onPostgres: boolean, work: () => Promise<Measured>): Promise<Counted> {
  const before = await read(info);
  const result = await work();
  const after = await read(info);
  const each = (n: number) => (result.completed > 0 ? Math.round((n / result.completed) * 1000) / 1000 : 0);
  const postgres = onPostgres && before.postgres !== undefined && after.postgres !== undefined ? each(after.postgres - before.postgres) : undefined;
  return {
    ...result,
    statementsPerRequest: Math.round(each(after.statements - before.statements) * 100) / 100,
    cpuMsPerRequest: { server: each(after.cpuMs - before.cpuMs), ...(postgres === undefined ? {} : { postgres }), load: each(after.load - before.load) },
  };
}

const cpuTotal = (cpu: CpuPerRequest) => cpu.server + (cpu.postgres ?? 0) + cpu.load;
const CORES = availableParallelism();
/** The rate at which the machine's cores would be busy all the time at this cost a request. */
const ceiling = (cpu: CpuPerRequest) => (cpuTotal(cpu) > 0 ? Math.round((CORES * 1000) / cpuTotal(cpu)) : 0);

/** One run with scripted requests; `invalid` counts 200s whose body is not a good token response. */
async function drive(
  url: string,
  headers: Record<string, string>,
  connections: number,
  seconds: number,
  scripted: Record<string, unknown>,
  invalid: () => number,
): Promise<Measured> {
  const result = await loadRun({ url, method: 'POST', headers, connections, durationSeconds: seconds, scripted });
  return { ...result, errors: result.errors + invalid() };
}

/** Code exchange: every request redeems the next code of `pool`; each connection stops at its share. */
async function exchange(info: Server, tokenPath: string, connections: number, seconds: number, pool: [string, string][]): Promise<Measured> {
  let next = 0;
  let invalid = 0;
  const result = await drive(
    `${info.url}${tokenPath}`,
    headersOf(info),
    connections,
    seconds,
    {
      maxOverallRequests: pool.length,
      requests: [
        {
          setupRequest: (req: Record<string, unknown>) => ({ ...req, body: codeForm(info, pool[next++]) }),
          onResponse: (status: number, body: string) => {
            if (status === 200 && !refreshTokenOf(body)) invalid++;
          },
        },
      ],
    },
    () => invalid,
  );
  // A drained pool ends the run early: the per-second average would count the idle tail.
  if (result.completed >= pool.length) result.requestsPerSecond = Math.round(result.completed / result.seconds);
  return result;
}

/** Refresh rotation: connection i follows chain i, always with the newest token. */
async function rotate(info: Server, tokenPath: string, connections: number, seconds: number, onPostgres: boolean): Promise<Counted> {
  const chains = await startChains(info, tokenPath, connections);
  let invalid = 0;
  return counting(info, onPostgres, () =>
    drive(
      `${info.url}${tokenPath}`,
      headersOf(info),
      connections,
      seconds,
      {
        setupClient: (client: { setRequests(requests: Record<string, unknown>[]): void }) => {
          const chain = { token: chains.pop()! };
          client.setRequests([
            {
              setupRequest: (req: Record<string, unknown>) => ({ ...req, body: refreshForm(chain.token) }),
              onResponse: (status: number, body: string) => {
                if (status !== 200) return; // counted as non-2xx; the chain is broken from here on
                const token = refreshTokenOf(body);
                if (token) chain.token = token;
                else invalid++;
              },
            },
          ]);
        },
      },
      () => invalid,
    ),
  );
}

async function refreshRows(options: CaseOptions, info: Server, tokenPath: string, onPostgres: boolean): Promise<Counted> {
  await rotate(info, tokenPath, options.connections, Math.min(3, options.durationSeconds), onPostgres);
  return rotate(info, tokenPath, options.connections, options.durationSeconds, onPostgres);
}

interface CodeRun {
  result: Counted;
  pool: number;
}

async function codeRows(options: CaseOptions, info: Server, tokenPath: string, onPostgres: boolean): Promise<CodeRun> {
  const { connections } = options;
  const seconds = Math.min(CODE_SECONDS, options.durationSeconds);
  // Warm-up, which also measures how fast codes are minted and redeemed.
  const warmupCount = Math.max(WARMUP_CODES, connections * 4);
  const mintStarted = Date.now();
  const warmupPool = await mintCodes(info, warmupCount);
  const mintPerSecond = warmupCount / Math.max(0.001, (Date.now() - mintStarted) / 1000);
  const warmup = await exchange(info, tokenPath, connections, Math.min(3, seconds), warmupPool);
  const rate = warmup.completed / warmup.seconds;
  const wanted = Math.ceil(rate * seconds * 2) + connections * 4;
  const size = Math.max(connections * 4, Math.min(wanted, Math.floor(mintPerSecond * MINT_SECONDS)));
  const pool = await mintCodes(info, size);
  return { result: await counting(info, onPostgres, () => exchange(info, tokenPath, connections, seconds, pool)), pool: size };
}

/** Both grants on one server: Gatehouse (PGlite without a URL), or the provider on PostgreSQL. */
function bothGrants(file: string, tokenPath: string, options: CaseOptions, databaseUrl?: string) {
  return withServer(file, { BENCH_DATABASE_URL: databaseUrl ?? '' }, async (info) => ({
    code: await codeRows(options, info, tokenPath, databaseUrl !== undefined),
    refresh: await refreshRows(options, info, tokenPath, databaseUrl !== undefined),
  }));
}

const row = (name: string, m: Measured | Counted): Row =>
  ({
    name,
    requestsPerSecond: m.requestsPerSecond,
    latencyP50Ms: m.latencyP50Ms,
    latencyP99Ms: m.latencyP99Ms,
    non2xx: m.non2xx,
    errors: m.errors,
    ...('statementsPerRequest' in m ? { statementsPerRequest: m.statementsPerRequest, cpuMsPerRequest: m.cpuMsPerRequest } : {}),
  }) as Row;

function codeRow(name: string, run: CodeRun): Row {
  const { result, pool } = run;
  const drained = result.completed >= pool;
  const note = drained ? `; its ${pool} codes ran out after ${result.seconds.toFixed(1)} s` : '';
  return { ...row(`${name}${note ? ` (${note.slice(2)})` : ''}`, result), codes: pool, redeemed: result.completed, drained } as Row;
}

type Grant = 'refresh' | 'code';
const runOf = (runs: { refresh: Counted; code: CodeRun }, grant: Grant) => (grant === 'refresh' ? runs.refresh : runs.code.result);

export async function run(options: CaseOptions): Promise<CaseResult> {
  if (options.connections > 300) throw new Error("BENCH_CONNECTIONS above 300 would overflow node-oidc-provider's in-memory store (1000 entries)");
  const memory = await withServer('oidc-provider-interactive.ts', {}, (info) => refreshRows(options, info, '/token', false));
  const peer = await withPostgres((url) => bothGrants('oidc-provider-interactive.ts', '/token', options, url));
  const pglite = await bothGrants('gatehouse-interactive.ts', '/oauth/token', options);
  const postgres = await withPostgres((url) => bothGrants('gatehouse-interactive.ts', '/oauth/token', options, url));

  const PEER = 'node-oidc-provider 9';
  const rows: Row[] = [
    ...(peer ? [row(`${PEER} refresh_token rotation ES256 (PostgreSQL adapter)`, peer.refresh)] : []),
    row(`${PEER} refresh_token rotation ES256 (in-memory adapter, keeps nothing; for reference)`, memory),
    row('gatehouse refresh_token rotation ES256 (PGlite)', pglite.refresh),
    ...(postgres ? [row('gatehouse refresh_token rotation ES256 (PostgreSQL)', postgres.refresh)] : []),
    ...(peer ? [codeRow(`${PEER} authorization_code + PKCE exchange ES256 (PostgreSQL adapter)`, peer.code)] : []),
    codeRow('gatehouse authorization_code + PKCE exchange ES256 (PGlite)', pglite.code),
    ...(postgres ? [codeRow('gatehouse authorization_code + PKCE exchange ES256 (PostgreSQL)', postgres.code)] : []),
  ];
  const checks = (grant: Grant, label: string) => {
    const mine = runOf(pglite, grant);
    const onPostgres = postgres && runOf(postgres, grant);
    const theirs = peer && runOf(peer, grant);
    return [
      atLeast(`${label} PGlite req/s`, mine.requestsPerSecond, PGLITE_GOAL),
      ...(onPostgres ? [atLeast(`${label} PostgreSQL req/s`, onPostgres.requestsPerSecond, POSTGRES_GOAL)] : []),
      ...(theirs ? [atLeast(`${label} PGlite / ${PEER} (PostgreSQL)`, ratio(mine.requestsPerSecond, theirs.requestsPerSecond), PEER_GOAL)] : []),
      ...(theirs && onPostgres
        ? [atLeast(`${label} PostgreSQL / ${PEER} (PostgreSQL)`, ratio(onPostgres.requestsPerSecond, theirs.requestsPerSecond), PEER_GOAL)]
        : []),
      ...(grant === 'refresh' ? [reported(`${label} PGlite / ${PEER} (in memory)`, ratio(mine.requestsPerSecond, memory.requestsPerSecond))] : []),
      atMost(`${label} database statements a request, gatehouse PGlite`, mine.statementsPerRequest, STATEMENTS_GOAL),
      ...(onPostgres ? [atMost(`${label} database statements a request, gatehouse PostgreSQL`, onPostgres.statementsPerRequest, STATEMENTS_GOAL)] : []),
      ...(theirs ? [reported(`${label} database statements a request, ${PEER} PostgreSQL`, theirs.statementsPerRequest)] : []),
      reported(`${label} CPU ms a request, gatehouse PGlite (server + load generator)`, cpuTotal(mine.cpuMsPerRequest)),
      ...(onPostgres
        ? [
            reported(`${label} CPU ms a request, gatehouse PostgreSQL (server + PostgreSQL + load generator)`, cpuTotal(onPostgres.cpuMsPerRequest)),
            reported(`${label} CPU ms a request, gatehouse PostgreSQL: in PostgreSQL`, onPostgres.cpuMsPerRequest.postgres ?? 0),
            reported(`${label} req/s ${CORES} cores allow at gatehouse PostgreSQL's CPU cost`, ceiling(onPostgres.cpuMsPerRequest)),
          ]
        : []),
      ...(theirs ? [reported(`${label} CPU ms a request, ${PEER} PostgreSQL (server + PostgreSQL + load generator)`, cpuTotal(theirs.cpuMsPerRequest))] : []),
    ];
  };
  return { rows, checks: [...checks('refresh', 'refresh_token'), ...checks('code', 'authorization_code')] };
}
