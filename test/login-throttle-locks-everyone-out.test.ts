// Sign-in throttling must not lock everyone out. It used to: about forty bad passwords from one
// address blocked every account from it (everyone, behind a reverse proxy), failures on a known
// email locked that account for its real owner too, and parallel guesses raced past the limit.
// Now: per account and address pair first, a much higher ceiling per address, growing delays per
// account that spare addresses which signed in before, every count taken atomically before the
// password is checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressBlock, LOGIN_LIMITS, throttleKeys } from '../src/accounts/throttle.ts';
import { startGatehouse } from './helpers.ts';
import { Browser, csrfOf, tenant } from './interactive-helpers.ts';

const errorText = (html: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(html)?.[1];
const PAIR = LOGIN_LIMITS.pair.attempts;

test('login throttling locks out the attacker, not everyone', async (t) => {
  // Many requests come from each test address: the page rate limit is not what is tested here.
  const g = await startGatehouse({ GATEHOUSE_PAGE_RATE_LIMIT_IP: '1000000' });
  t.after(() => g.stop());
  const db = g.services.storage.db;
  const passed = () => new Date(Date.now() - 1);

  await t.test('forty bad passwords for one account from A block neither another account on A nor the owner on B; the pair is blocked', async () => {
    const victim = await tenant(g, 'Victim Vendor');
    const neighbour = await tenant(g, 'Neighbour Vendor');
    const home = new Browser(g, '10.10.0.2');
    assert.equal((await home.login(victim.email, victim.password)).statusCode, 303, 'the owner signed in from B before');
    const attacker = new Browser(g, '10.10.0.1');
    const answers: number[] = [];
    for (let i = 0; i < 40; i++) answers.push((await attacker.login(victim.email, `guess ${i}`)).statusCode);
    assert.deepEqual(answers, [...Array(PAIR).fill(401), ...Array(40 - PAIR).fill(429)], 'the pair limit, then refusals');

    assert.equal((await new Browser(g, '10.10.0.1').login(neighbour.email, neighbour.password)).statusCode, 303, 'another account from A');
    assert.equal((await new Browser(g, '10.10.0.2').login(victim.email, victim.password)).statusCode, 303, 'the owner from B');
    assert.equal((await new Browser(g, '10.10.0.3').login(victim.email, victim.password)).statusCode, 303, 'the owner from a new address C');

    const blocked = await attacker.login(victim.email, victim.password);
    assert.equal(blocked.statusCode, 429, 'the pair stays blocked, even for the right password');
    const wait = Number(blocked.headers['retry-after']);
    assert.ok(wait > 0 && wait <= LOGIN_LIMITS.pair.windowMs / 1000, `Retry-After ${wait}`);
    assert.match(errorText(blocked.body)!, /^Too many sign-in attempts\. Try again in \d+ minutes\.$/);
    await db.updateTable('login_throttle').set({ window_ends_at: passed() }).where('key', '=', throttleKeys(victim.email, '10.10.0.1').pair).execute();
    assert.equal((await attacker.login(victim.email, victim.password)).statusCode, 303, 'once the window passes');
  });

  await t.test('unknown emails are throttled by pair the same way, with the same words', async () => {
    const known = await tenant(g, 'Known Vendor');
    const refusals: string[] = [];
    for (const email of [known.email, 'nobody-here@example.com']) {
      const browser = new Browser(g, '10.11.0.1');
      for (let i = 0; i < PAIR; i++) assert.equal((await browser.login(email, 'wrong')).statusCode, 401);
      const refused = await browser.login(email, 'wrong');
      assert.equal(refused.statusCode, 429);
      refusals.push(errorText(refused.body)!);
    }
    assert.equal(refusals[0], refusals[1]);
  });

  await t.test('per account across addresses: growing delays, not a lockout, and an address that signed in before is spared', async () => {
    const victim = await tenant(g, 'Spread Vendor');
    const home = '10.12.0.1';
    assert.equal((await new Browser(g, home).login(victim.email, victim.password)).statusCode, 303);
    const free = LOGIN_LIMITS.account.free;
    // Two guesses each from many addresses: no pair reaches its limit.
    for (let i = 0; i < free; i++)
      assert.equal((await new Browser(g, `10.13.0.${Math.floor(i / 2)}`).login(victim.email, 'wrong')).statusCode, 401, `failure ${i + 1}`);
    const delayed = await new Browser(g, '10.13.1.1').login(victim.email, victim.password);
    assert.equal(delayed.statusCode, 429, 'a new address waits, even with the right password');
    const first = Number(delayed.headers['retry-after']);
    assert.ok(first >= 1 && first <= 2, `Retry-After ${first}`);
    assert.match(errorText(delayed.body)!, /^Too many sign-in attempts\. Try again in [12] seconds?\.$/);

    assert.equal((await new Browser(g, home).login(victim.email, 'typo')).statusCode, 401, 'the known address is evaluated, not delayed');
    assert.equal((await new Browser(g, home).login(victim.email, victim.password)).statusCode, 303, 'the owner at home signs in');

    // The delay passes; the next failure blocks twice as long.
    const account = throttleKeys(victim.email, home).account;
    await db.updateTable('login_throttle').set({ blocked_until: passed() }).where('key', '=', account).execute();
    assert.equal((await new Browser(g, '10.13.2.1').login(victim.email, 'wrong')).statusCode, 401);
    const second = Number((await new Browser(g, '10.13.2.2').login(victim.email, 'wrong')).headers['retry-after']);
    assert.ok(second > 2 && second <= 4, `Retry-After ${second}`);
    const row = await db.selectFrom('login_throttle').select('blocked_until').where('key', '=', account).executeTakeFirstOrThrow();
    assert.ok(row.blocked_until!.getTime() - Date.now() <= LOGIN_LIMITS.account.maxDelaySeconds * 1000, 'capped');

    // Unknown emails get the same delays.
    for (let i = 0; i < free; i++) await new Browser(g, `10.14.0.${i}`).login('ghost-spread@example.com', 'wrong');
    assert.equal((await new Browser(g, '10.14.1.1').login('ghost-spread@example.com', 'wrong')).statusCode, 429);
  });

  await t.test('the address ceiling eventually blocks A; its successes do not count; other addresses go on', async () => {
    const regular = await tenant(g, 'Office Vendor');
    const office = new Browser(g, '10.15.0.1');
    for (let i = 0; i < LOGIN_LIMITS.address.attempts; i++) {
      assert.equal((await office.login(`sprayed${i}@example.com`, 'wrong')).statusCode, 401, `failure ${i + 1}`);
      if (i % 10 === 0) assert.equal((await new Browser(g, '10.15.0.1').login(regular.email, regular.password)).statusCode, 303, 'people still sign in there');
    }
    const blocked = await new Browser(g, '10.15.0.1').login(regular.email, regular.password);
    assert.equal(blocked.statusCode, 429, 'the ceiling reached');
    assert.match(errorText(blocked.body)!, /Try again in \d+ minutes\./);
    assert.equal((await new Browser(g, '10.15.0.2').login(regular.email, regular.password)).statusCode, 303, 'another address');
    await db.updateTable('login_throttle').set({ window_ends_at: passed() }).where('key', '=', throttleKeys(regular.email, '10.15.0.1').address).execute();
    assert.equal((await new Browser(g, '10.15.0.1').login(regular.email, regular.password)).statusCode, 303, 'once the window passes');
  });

  await t.test('200 parallel guesses on one pair evaluate at most the pair limit; the right password afterwards is refused', async () => {
    const target = await tenant(g, 'Raced Vendor');
    const browser = new Browser(g, '10.16.0.1');
    const csrf = csrfOf((await browser.get('/login')).body);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => browser.post('/login', { email: target.email, password: `parallel ${i}`, csrf })));
    const evaluated = answers.filter((r) => r.statusCode === 401).length;
    assert.equal(answers.filter((r) => r.statusCode === 429).length, 200 - evaluated, 'every other attempt refused');
    assert.ok(evaluated >= 1 && evaluated <= PAIR, `${evaluated} password checks`);
    assert.equal((await browser.post('/login', { email: target.email, password: target.password, csrf })).statusCode, 429);
    await g.services.audit.flush();
    const failed = await g.services.audit.list({ action: 'login.failed' });
    assert.ok(failed.filter((e) => e.ip === '10.16.0.1').length <= PAIR);
  });

  await t.test('a success resets the pair', async () => {
    const user = await tenant(g, 'Forgetful Vendor');
    const browser = new Browser(g, '10.17.0.1');
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < PAIR - 1; i++) assert.equal((await browser.login(user.email, 'wrong')).statusCode, 401, `round ${round}, failure ${i + 1}`);
      assert.equal((await browser.login(user.email, user.password)).statusCode, 303, `round ${round}`);
    }
    for (let i = 0; i < PAIR; i++) assert.equal((await browser.login(user.email, 'wrong')).statusCode, 401);
    assert.equal((await browser.login(user.email, user.password)).statusCode, 429);
  });

  await t.test('an IPv6 host counts as its /64; IPv4-mapped as its IPv4 address', async () => {
    assert.equal(addressBlock('2001:db8:1:2::1'), '2001:db8:1:2::/64');
    assert.equal(addressBlock('2001:DB8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
    assert.equal(addressBlock('2001:db8::5'), '2001:db8:0:0::/64');
    assert.equal(addressBlock('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(addressBlock('192.0.2.7'), '192.0.2.7');
    const user = await tenant(g, 'Six Vendor');
    for (let i = 1; i <= PAIR; i++) assert.equal((await new Browser(g, `2001:db8:1:2::${i}`).login(user.email, 'wrong')).statusCode, 401);
    assert.equal((await new Browser(g, '2001:db8:1:2::99').login(user.email, user.password)).statusCode, 429, 'same /64');
    assert.equal((await new Browser(g, '2001:db8:1:3::1').login(user.email, user.password)).statusCode, 303, 'another /64');
  });

  await t.test('the purge removes counts whose window passed and addresses not seen for weeks', async () => {
    const user = await tenant(g, 'Purged Vendor');
    await new Browser(g, '10.18.0.1').login(user.email, 'wrong');
    await new Browser(g, '10.18.0.2').login(user.email, user.password);
    const keys = throttleKeys(user.email, '10.18.0.1');
    const stale = new Date(Date.now() - LOGIN_LIMITS.knownAddressMs - 1000);
    await db.updateTable('login_throttle').set({ window_ends_at: passed() }).where('key', 'in', [keys.pair, keys.address]).execute();
    await db.updateTable('login_known_addresses').set({ last_success_at: stale }).where('key', '=', throttleKeys(user.email, '10.18.0.2').known).execute();
    const before = await db.selectFrom('login_throttle').select('key').execute();
    await g.services.loginThrottle.purge();
    const after = new Set((await db.selectFrom('login_throttle').select('key').execute()).map((r) => r.key));
    assert.ok(!after.has(keys.pair) && !after.has(keys.address), 'expired counts gone');
    assert.ok(after.has(keys.account), 'the account count is still in its window');
    assert.equal(after.size, before.length - 2);
    const known = await db.selectFrom('login_known_addresses').select('key').where('key', '=', throttleKeys(user.email, '10.18.0.2').known).execute();
    assert.equal(known.length, 0);
  });
});
