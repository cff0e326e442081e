// The README's shell blocks, run in order against a listening Gatehouse, as a newcomer would
// paste them: each ```sh block runs in bash with the variables the blocks before it set, and fails
// the test if any command in it fails (the README's curl calls use -f, so any 4xx or 5xx does).
// A block preceded by `<!-- not run by the README test: reason -->` is skipped, and the one whose
// reason names MSP_TOKEN stands for a person's steps in a browser, which the test takes itself.
// Three values differ from a reader's: the server's address, the admin token it printed, and the
// webhook receiver, a local one here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, freePort, startGatehouse } from './helpers.ts';
import { Browser, authorize } from './interactive-helpers.ts';
import { LOOPBACK, startReceiver } from './webhook-helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SKIP = /^<!-- not run by the README test: (.*) -->$/;

interface Block {
  line: number;
  code: string;
  skip?: string;
}

export function shellBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```sh') continue;
    const end = lines.indexOf('```', i + 1);
    assert.ok(end > i, `the block at line ${i + 1} is closed`);
    const marker = SKIP.exec(lines[i - 1] ?? '');
    blocks.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n'), skip: marker?.[1] });
    i = end;
  }
  return blocks;
}

/** The environment a reader's shell would have, without this process's Gatehouse settings. */
function readerEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(GATEHOUSE_|DATABASE_URL$|REDIS_URL$|TEST_DATABASE_URL$|NODE_OPTIONS$|NODE_TEST)/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

test('every shell block of the README works against a listening server', async (t) => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: origin, ...LOOPBACK });
  t.after(() => g.stop());
  await g.app.listen({ port, host: '127.0.0.1' });
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const work = await mkdtemp(path.join(tmpdir(), 'gatehouse-readme-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const state = path.join(work, 'state.sh');
  await writeFile(state, '');

  const blocks = shellBlocks(await readFile(path.join(ROOT, 'README.md'), 'utf8'));
  assert.ok(blocks.filter((b) => !b.skip).length >= 10, 'the README has runnable blocks');
  const env = readerEnv({ GATEHOUSE_URL: origin, STATE: state });
  /** A variable the blocks so far have set (bash alone: nothing here calls the server). */
  const variable = (name: string) => spawnSync('bash', ['-c', `source "$STATE"; printf %s "$${name}"`], { env, encoding: 'utf8' }).stdout;

  for (const block of blocks) {
    if (block.skip) {
      if (/MSP_TOKEN/.test(block.skip)) {
        // The person's part: choose a password for the owner, sign in, allow; the token comes
        // back in the redirect's fragment.
        const owner = variable('OWNER');
        assert.ok(owner, 'an earlier block found the owner');
        await g.services.accounts.setPassword(owner, 'a password the owner chose');
        const browser = new Browser(g);
        assert.equal((await browser.login('ansley@wisozk.example', 'a password the owner chose')).statusCode, 303);
        const landed = await authorize(browser, {
          response_type: 'token',
          client_id: variable('MSP_APP'),
          redirect_uri: 'https://msp.example/callback',
          scope: 'webhooks:manage',
          state: 'xyz',
        });
        const token = new URLSearchParams(landed.hash.slice(1)).get('access_token');
        assert.ok(token, `a token in ${landed.href}`);
        await writeFile(state, `${await readFile(state, 'utf8')}\nexport MSP_TOKEN='${token}'\n`);
      }
      continue;
    }
    const code = block.code
      .replaceAll('http://localhost:3000', origin)
      .replaceAll('gha_...', ADMIN_TOKEN)
      .replaceAll('https://msp.example/hooks', receiver.url);
    // set -a exports every assignment, so export -p carries them to the next block.
    const script = `set -euo pipefail\nset -a\nsource "$STATE"\ncd "${ROOT}"\n${code}\nexport -p | grep -Ev '^declare -[a-zA-Z]*r' > "$STATE.next"\nmv "$STATE.next" "$STATE"\n`;
    // Asynchronously: the server answering these commands runs in this process.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile('bash', ['-c', script], { env, timeout: 120_000 }, (error, stdout, stderr) => {
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      });
    });
    assert.equal(run.status, 0, `README line ${block.line}:\n${block.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
  }
  const tour = variable('TOUR');
  if (tour.startsWith(tmpdir())) t.after(() => rm(tour, { recursive: true, force: true }));
  // What the blocks did is there: the organization with its team, and the MSP's subscription.
  const organization = await g.services.organizations.get(variable('ORG_ID'));
  assert.equal(organization.name, 'Wisozk Inc');
  const hooks = await g.services.webhooks.subscriptions.list(organization.id);
  assert.deepEqual(
    hooks.map((h) => h.url),
    [receiver.url],
  );
});
