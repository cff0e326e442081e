// Organizations used to have exactly one person, the owner the OEM API created: no OEM or admin
// call added anyone, and a session for any other vendorUserId was a 404. Now the vendor adds
// users (POST /api/oem-api/organization/user), operators manage them (admin API), owners and
// admins manage the team on the dashboard, members are refused every managing POST, the last
// owner always stays (also when two demotions race), and each change writes its event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_TYPES, type EventType } from '../src/events/catalog.ts';
import { admin, startGatehouse, type TestGatehouse } from './helpers.ts';
import { accessToken, createOrganization, createVendor, credentials, organizationData, snapshot, type TestVendor } from './oem-helpers.ts';
import { Browser, csrfOf, PASSWORD } from './interactive-helpers.ts';

const OEM_USER = '/api/oem-api/organization/user';

async function oemAddUser(
  g: TestGatehouse,
  vendor: TestVendor,
  organizationOemToken: string,
  data: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const body = headers.authorization ? { organizationOemToken, data } : { ...credentials(vendor), organizationOemToken, data };
  return g.app.inject({ method: 'POST', url: OEM_USER, payload: body, headers });
}

async function outbox(g: TestGatehouse, type: EventType) {
  const rows = await g.services.storage.db
    .selectFrom('outbox_events')
    .select(['type', 'payload', 'organization_id'])
    .where('type', '=', type)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    organizationId: r.organization_id,
    data: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload).data as Record<string, unknown>,
  }));
}

/** The event's data has every field its catalog schema requires, with the declared enum values. */
function conforms(type: EventType, data: Record<string, unknown>) {
  const schema = EVENT_TYPES[type] as { required: readonly string[]; properties: Record<string, { enum?: readonly string[] }> };
  for (const field of schema.required) assert.ok(data[field] !== undefined, `${type} carries ${field}`);
  for (const [field, property] of Object.entries(schema.properties)) {
    if (property.enum && data[field] !== undefined && typeof data[field] === 'string')
      assert.ok(property.enum.includes(data[field] as string), `${type}.${field}`);
  }
}

test('OEM API: organization/user adds a user the vendor can then sign in', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const vendor = await createVendor(g);
  const org = await createOrganization(g, vendor);

  await t.test('201 in the shape of the other OEM answers; role defaults to member', async () => {
    const res = await oemAddUser(g, vendor, org.organizationOemToken, {
      email: 'Dana.Member@Example.com',
      firstName: 'Dana',
      lastName: 'Member',
      vendorUserId: 'v-dana',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(Object.keys(res.json()), ['status', 'message', 'userId']);
    assert.equal(res.json().status, 201);
    assert.equal(res.json().message, 'Successfully created user');
    const user = await g.services.users.get(res.json().userId);
    assert.equal(user.organization_id, org.organizationId);
    assert.equal(user.email, 'dana.member@example.com');
    assert.equal(user.role, 'member');
    assert.equal(user.vendor_user_id, 'v-dana');
    const added = (await outbox(g, 'user.added')).find((e) => e.data.userId === user.id);
    assert.ok(added, 'user.added written');
    assert.equal(added.organizationId, org.organizationId);
    assert.equal(added.data.role, 'member');
    conforms('user.added', added.data);
  });

  await t.test('a Bearer access token with vendor_manage works like body credentials', async () => {
    const token = await accessToken(g, vendor, 'vendor_manage');
    const res = await oemAddUser(
      g,
      vendor,
      org.organizationOemToken,
      { email: 'ari.admin@example.com', vendorUserId: 'v-ari', role: 'admin' },
      { authorization: `Bearer ${token}` },
    );
    assert.equal(res.statusCode, 201, res.body);
    assert.equal((await g.services.users.get(res.json().userId)).role, 'admin');
  });

  await t.test('409 for an email (any case) or vendorUserId already in the organization', async () => {
    const before = await snapshot(g);
    const email = await oemAddUser(g, vendor, org.organizationOemToken, { email: 'DANA.member@example.com', vendorUserId: 'v-other' });
    assert.equal(email.statusCode, 409, email.body);
    assert.deepEqual(email.json(), { status: 409, error: 'CONFLICT', message: 'a user with this email is already in the organization' });
    const id = await oemAddUser(g, vendor, org.organizationOemToken, { email: 'someone.else@example.com', vendorUserId: 'v-dana' });
    assert.equal(id.statusCode, 409, id.body);
    assert.match(id.json().message, /vendorUserId/);
    assert.equal(await snapshot(g), before, 'nothing changed');
    // Another organization may hold the same person.
    const other = await createOrganization(g, vendor);
    assert.equal((await oemAddUser(g, vendor, other.organizationOemToken, { email: 'dana.member@example.com', vendorUserId: 'v-dana' })).statusCode, 201);
  });

  await t.test('400 naming the field: bad email, unknown role, unknown field; organization creation checks the email too', async () => {
    const before = await snapshot(g);
    for (const [data, field] of [
      [{ email: 'not-an-email' }, /body\/data\/email/],
      [{ email: 'two@@example.com' }, /body\/data\/email/],
      [{ email: 'spaced out@example.com' }, /body\/data\/email/],
      [{ email: 'nodomain@localhost' }, /body\/data\/email/],
      [{ vendorUserId: 'x' }, /body\/data\/email is required/],
      [{ email: 'ok@example.com', role: 'superuser' }, /body\/data\/role must be one of: owner, admin, member/],
      [{ email: 'ok@example.com', colour: 'blue' }, /body\/data\/colour is not an allowed field/],
    ] as const) {
      const res = await oemAddUser(g, vendor, org.organizationOemToken, data);
      assert.equal(res.statusCode, 400, JSON.stringify(data));
      assert.equal(res.json().error, 'BAD_REQUEST');
      assert.match(res.json().message, field);
    }
    const organization = await g.app.inject({
      method: 'POST',
      url: '/api/oem-api/organization',
      payload: { ...credentials(vendor), data: organizationData({ email: 'not-an-email' }) },
    });
    assert.equal(organization.statusCode, 400, organization.body);
    assert.match(organization.json().message, /^Malformed request body: body\/data\/email/);
    assert.equal(await snapshot(g), before, 'nothing changed');
  });

  await t.test('401 for a bad client, 403 for an organization token that is not valid', async () => {
    const badClient = await g.app.inject({
      method: 'POST',
      url: OEM_USER,
      payload: { ...credentials(vendor), clientSecret: 'wrong', organizationOemToken: org.organizationOemToken, data: { email: 'x@example.com' } },
    });
    assert.equal(badClient.statusCode, 401);
    assert.equal(badClient.json().error, 'INVALID_CLIENT');
    const badToken = await oemAddUser(g, vendor, 'ghorg_nope', { email: 'x@example.com' });
    assert.equal(badToken.statusCode, 403);
    assert.equal(badToken.json().message, 'Invalid organization token');
    const foreign = await createVendor(g, 'Other Vendor');
    assert.equal((await oemAddUser(g, foreign, org.organizationOemToken, { email: 'x@example.com' })).statusCode, 403);
  });

  await t.test("organization/session with the new user's vendorUserId signs that user in", async () => {
    const res = await g.app.inject({
      method: 'POST',
      url: '/api/oem-api/organization/session',
      payload: { ...credentials(vendor), organizationOemToken: org.organizationOemToken, vendorUserId: 'v-dana' },
    });
    assert.equal(res.statusCode, 201, res.body);
    const browser = new Browser(g);
    const opened = await browser.get(new URL(res.json().redirectUrl).pathname);
    assert.equal(opened.statusCode, 303);
    const dashboard = await browser.get('/dashboard');
    assert.equal(dashboard.statusCode, 200);
    assert.match(dashboard.body, /Signed in as dana\.member@example\.com \(member\)/);
    const unknown = await g.app.inject({
      method: 'POST',
      url: '/api/oem-api/organization/session',
      payload: { ...credentials(vendor), organizationOemToken: org.organizationOemToken, vendorUserId: 'v-nobody' },
    });
    assert.equal(unknown.statusCode, 404);
  });

  await t.test('every addition is audited with the vendor as actor', async () => {
    const events = await g.services.audit.list({ action: 'user.added', limit: 100 });
    assert.ok(events.length >= 3);
    assert.ok(events.every((e) => e.actor === vendor.vendor_id && (e.details as { via?: string }).via === 'oem'));
  });
});

test('admin API: list, add, read, change and remove users; the last owner stays', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const vendor = await createVendor(g);
  const org = await createOrganization(g, vendor);
  const [owner] = await g.services.organizations.users(org.organizationId);
  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    g.app.inject({ method, url: `/admin/api/v1${url}`, headers: admin, ...(payload ? { payload } : {}) });
  const ids: string[] = [owner.id];

  await t.test('create: 201 with the user; 409 for a taken email; 400 naming the field', async () => {
    for (let i = 0; i < 4; i++) {
      const res = await api('POST', `/organizations/${org.organizationId}/users`, {
        email: `person${i}@example.com`,
        first_name: 'Person',
        last_name: String(i),
        role: i === 0 ? 'admin' : 'member',
        ...(i === 1 ? { vendor_user_id: 'p-1' } : {}),
      });
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json();
      assert.equal(body.organization_id, org.organizationId);
      assert.equal(body.email, `person${i}@example.com`);
      assert.equal(body.has_password, false);
      ids.push(body.user_id);
    }
    const taken = await api('POST', `/organizations/${org.organizationId}/users`, {
      email: 'PERSON0@example.com',
      first_name: 'A',
      last_name: 'B',
      role: 'member',
    });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json().error.code, 'conflict');
    const takenId = await api('POST', `/organizations/${org.organizationId}/users`, {
      email: 'new@example.com',
      first_name: 'A',
      last_name: 'B',
      role: 'member',
      vendor_user_id: 'p-1',
    });
    assert.equal(takenId.statusCode, 409);
    for (const [payload, field] of [
      [{ email: 'not-an-email', first_name: 'A', last_name: 'B', role: 'member' }, /body\/email/],
      [{ email: 'a@example.com', last_name: 'B', role: 'member' }, /body\/first_name is required/],
      [{ email: 'a@example.com', first_name: 'A', last_name: 'B', role: 'boss' }, /body\/role must be one of/],
      [{ email: 'a@example.com', first_name: 'A', last_name: 'B', role: 'member', password: 'x' }, /body\/password is not an allowed field/],
    ] as const) {
      const res = await api('POST', `/organizations/${org.organizationId}/users`, payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.match(res.json().error.message, field);
    }
    assert.equal((await api('POST', '/organizations/nope/users', { email: 'a@example.com', first_name: 'A', last_name: 'B', role: 'member' })).statusCode, 404);
  });

  await t.test('list: by id, paged with after and limit', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const res = await api('GET', `/organizations/${org.organizationId}/users?limit=2${after ? `&after=${after}` : ''}`);
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json().users as { user_id: string }[];
      assert.ok(page.length <= 2);
      if (page.length === 0) break;
      seen.push(...page.map((u) => u.user_id));
      after = page.at(-1)!.user_id;
    }
    assert.deepEqual(seen, [...ids].sort());
    assert.equal((await api('GET', `/organizations/${org.organizationId}/users?limit=0`)).statusCode, 400);
    assert.equal((await api('GET', '/organizations/nope/users')).statusCode, 404);
  });

  await t.test('get and patch: names and role; user.updated says what changed', async () => {
    const got = await api('GET', `/users/${ids[2]}`);
    assert.equal(got.statusCode, 200);
    assert.equal(got.json().role, 'member');
    const patched = await api('PATCH', `/users/${ids[2]}`, { role: 'admin', first_name: 'Renamed' });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().role, 'admin');
    assert.equal(patched.json().first_name, 'Renamed');
    const [updated] = (await outbox(g, 'user.updated')).filter((e) => e.data.userId === ids[2]);
    assert.deepEqual(updated.data.changed, ['firstName', 'role']);
    assert.equal(updated.data.previousRole, 'member');
    assert.equal(updated.data.role, 'admin');
    conforms('user.updated', updated.data);
    assert.equal((await api('PATCH', `/users/${ids[2]}`, {})).statusCode, 400, 'an empty change is refused');
    assert.equal((await api('PATCH', `/users/${ids[2]}`, { email: 'x@example.com' })).statusCode, 400, 'the email is not changed here');
    assert.equal((await api('PATCH', '/users/nope', { role: 'member' })).statusCode, 404);
    assert.equal((await api('GET', '/users/nope')).statusCode, 404);
  });

  await t.test('the last owner can be neither demoted nor removed (409); with a second owner, either can', async () => {
    const demote = await api('PATCH', `/users/${owner.id}`, { role: 'member' });
    assert.equal(demote.statusCode, 409);
    assert.equal(demote.json().error.code, 'last_owner');
    assert.match(demote.json().error.message, /at least one owner/);
    assert.equal((await api('DELETE', `/users/${owner.id}`)).statusCode, 409);
    assert.equal((await g.services.users.get(owner.id)).role, 'owner');
    assert.equal((await api('PATCH', `/users/${ids[1]}`, { role: 'owner' })).statusCode, 200);
    assert.equal((await api('PATCH', `/users/${owner.id}`, { role: 'admin' })).statusCode, 200);
    assert.equal((await api('PATCH', `/users/${owner.id}`, { role: 'owner' })).statusCode, 200);
  });

  await t.test('two demotions of the last two owners at once: one wins, one owner remains', async () => {
    for (let round = 0; round < 5; round++) {
      const owners = (await g.services.organizations.users(org.organizationId)).filter((u) => u.role === 'owner');
      assert.equal(owners.length, 2);
      const results = await Promise.all(owners.map((o) => api('PATCH', `/users/${o.id}`, { role: 'member' })));
      assert.deepEqual(
        results.map((r) => r.statusCode).sort((a, b) => a - b),
        [200, 409],
        results.map((r) => r.body).join('\n'),
      );
      const left = (await g.services.organizations.users(org.organizationId)).filter((u) => u.role === 'owner');
      assert.equal(left.length, 1);
      const loser = owners.find((o) => o.id !== left[0].id)!;
      assert.equal((await api('PATCH', `/users/${loser.id}`, { role: 'owner' })).statusCode, 200);
    }
    // Removal and demotion race on the same lock.
    const owners = (await g.services.organizations.users(org.organizationId)).filter((u) => u.role === 'owner');
    const [a, b] = await Promise.all([api('DELETE', `/users/${owners[0].id}`), api('PATCH', `/users/${owners[1].id}`, { role: 'member' })]);
    // Whichever takes the lock first wins (the removal's 204 or the demotion's 200); the other
    // finds itself the last owner's change and gets 409.
    const removed = a.statusCode === 204;
    assert.deepEqual([a.statusCode, b.statusCode], removed ? [204, 409] : [409, 200], `${a.body} ${b.body}`);
    assert.equal((await g.services.organizations.users(org.organizationId)).filter((u) => u.role === 'owner').length, 1);
  });

  await t.test('delete: 204, sessions end at once, user.removed written, a second delete is 404', async () => {
    const target = ids[3];
    await g.services.accounts.setPassword(target, PASSWORD);
    const browser = new Browser(g, '10.9.0.1');
    assert.equal((await browser.login('person2@example.com', PASSWORD)).statusCode, 303);
    assert.equal((await browser.get('/dashboard')).statusCode, 200);
    assert.equal((await api('DELETE', `/users/${target}`)).statusCode, 204);
    assert.equal((await browser.get('/dashboard')).statusCode, 401);
    assert.equal((await api('DELETE', `/users/${target}`)).statusCode, 404);
    const removed = (await outbox(g, 'user.removed')).find((e) => e.data.userId === target);
    assert.ok(removed);
    assert.equal(removed.data.email, 'person2@example.com');
    conforms('user.removed', removed.data);
  });

  await t.test('password-link still works for a listed user; every change is audited as admin', async () => {
    const link = await api('POST', `/users/${ids[4]}/password-link`);
    assert.equal(link.statusCode, 201);
    for (const action of ['user.added', 'user.updated', 'user.removed']) {
      const events = await g.services.audit.list({ action, limit: 100 });
      assert.ok(
        events.some((e) => e.actor === 'admin' && (e.details as { organization_id?: string }).organization_id === org.organizationId),
        action,
      );
    }
  });

  await t.test('the OpenAPI document describes the new routes with their schemas', async () => {
    const doc = (await g.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const paths = doc.paths as Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    assert.ok(paths['/admin/api/v1/organizations/{id}/users'].get);
    assert.ok(paths['/admin/api/v1/organizations/{id}/users'].post.requestBody);
    assert.ok(paths['/admin/api/v1/users/{id}'].patch.requestBody);
    assert.ok(paths['/admin/api/v1/users/{id}'].get.responses['200']);
    assert.ok(paths['/admin/api/v1/users/{id}'].delete);
    assert.ok(paths['/api/oem-api/organization/user'].post.requestBody);
  });
});

test('dashboard: owners and admins manage the team; members are refused every managing POST', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const vendor = await createVendor(g);
  const data = organizationData();
  const org = await createOrganization(g, vendor, data);
  const [owner] = await g.services.organizations.users(org.organizationId);
  await g.services.accounts.setPassword(owner.id, PASSWORD);
  const member = await g.services.users.add(org.organizationId, { email: 'mo.member@example.com', role: 'member', emailVerified: true });
  await g.services.accounts.setPassword(member.id, PASSWORD);
  const adminUser = await g.services.users.add(org.organizationId, { email: 'ada.admin@example.com', role: 'admin', emailVerified: true });
  await g.services.accounts.setPassword(adminUser.id, PASSWORD);

  const signedIn = async (email: string, ip: string) => {
    const browser = new Browser(g, ip);
    assert.equal((await browser.login(email, PASSWORD)).statusCode, 303);
    const dashboard = await browser.get('/dashboard');
    assert.equal(dashboard.statusCode, 200);
    return { browser, dashboard: dashboard.body, csrf: csrfOf(dashboard.body) };
  };

  await t.test('a member sees the team but no controls, and every managing POST answers 403', async () => {
    const { browser, dashboard, csrf } = await signedIn('mo.member@example.com', '10.1.0.1');
    assert.match(dashboard, /<h2 id="team">Team<\/h2>/);
    assert.ok(dashboard.includes(data.email as string));
    assert.ok(!dashboard.includes('/dashboard/team/invite'), 'no invite form');
    assert.ok(!dashboard.includes('/dashboard/webhooks'), 'no webhooks link');
    const before = await snapshot(g);
    const refused: [string, Record<string, string>][] = [
      ['/dashboard/team/invite', { csrf, email: 'new@example.com', role: 'member' }],
      [`/dashboard/team/${owner.id}/role`, { csrf, role: 'member' }],
      [`/dashboard/team/${adminUser.id}/remove`, { csrf, confirm: 'yes' }],
      [`/dashboard/team/${adminUser.id}/password-link`, { csrf }],
      ['/dashboard/webhooks', { csrf, webhook_url: 'https://hooks.example/x', event_types: 'user.added' }],
      ['/dashboard/webhooks/whk_1', { csrf, action: 'delete' }],
      ['/dashboard/connections/conn_1/disconnect', { csrf }],
    ];
    for (const [url, form] of refused) {
      const res = await browser.post(url, form);
      assert.equal(res.statusCode, 403, `${url}: ${res.body.slice(0, 200)}`);
    }
    assert.equal((await browser.get('/dashboard/webhooks')).statusCode, 403);
    assert.equal(await snapshot(g), before, 'nothing changed');
  });

  await t.test('the owner invites: a one-time set-password link is shown; it lets the person in', async () => {
    const { browser, dashboard, csrf } = await signedIn(data.email as string, '10.1.0.2');
    assert.ok(dashboard.includes('action="/dashboard/team/invite"'));
    const bad = await browser.post('/dashboard/team/invite', { csrf, email: 'not-an-email', role: 'member' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /is not an email address/);
    const invited = await browser.post('/dashboard/team/invite', {
      csrf,
      email: 'Ivy.Invited@example.com',
      first_name: 'Ivy',
      last_name: 'Invited',
      role: 'member',
    });
    assert.equal(invited.statusCode, 201, invited.body);
    const link = /id="password-link" type="text" readonly value="([^"]+)"/.exec(invited.body)?.[1];
    assert.ok(link, 'the link is on the page');
    assert.match(link, /^http:\/\/gatehouse\.test\/password\/set\/[A-Za-z0-9_-]{40,}$/);
    const ivy = (await g.services.organizations.users(org.organizationId)).find((u) => u.email === 'ivy.invited@example.com')!;
    assert.equal(ivy.role, 'member');
    const again = await browser.post('/dashboard/team/invite', { csrf, email: 'ivy.invited@example.com', role: 'member' });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /already in the organization/);

    const invitee = new Browser(g, '10.1.0.3');
    const form = await invitee.get(new URL(link).pathname);
    assert.equal(form.statusCode, 200);
    const set = await invitee.post(new URL(link).pathname, { csrf: csrfOf(form.body), password: 'a long new password', confirm: 'a long new password' });
    assert.equal(set.statusCode, 303);
    assert.equal((await new Browser(g, '10.1.0.4').login('ivy.invited@example.com', 'a long new password')).statusCode, 303);
    // Once the password is set, nobody can mint a link that would replace it.
    assert.equal((await browser.post(`/dashboard/team/${ivy.id}/password-link`, { csrf })).statusCode, 409);
  });

  await t.test('the owner changes roles; the last owner cannot step down; removal asks first', async () => {
    const { browser, csrf } = await signedIn(data.email as string, '10.1.0.5');
    const ivy = (await g.services.organizations.users(org.organizationId)).find((u) => u.email === 'ivy.invited@example.com')!;
    assert.equal((await browser.post(`/dashboard/team/${ivy.id}/role`, { csrf, role: 'admin' })).statusCode, 303);
    assert.equal((await g.services.users.get(ivy.id)).role, 'admin');
    const stepDown = await browser.post(`/dashboard/team/${owner.id}/role`, { csrf, role: 'member' });
    assert.equal(stepDown.statusCode, 409);
    assert.match(stepDown.body, /at least one owner/);
    const ask = await browser.post(`/dashboard/team/${ivy.id}/remove`, { csrf });
    assert.equal(ask.statusCode, 200);
    assert.match(ask.body, /Yes, remove ivy\.invited@example\.com/);
    assert.ok(await g.services.users.find(ivy.id), 'asking removes nobody');
    assert.equal((await browser.post(`/dashboard/team/${ivy.id}/remove`, { csrf, confirm: 'yes' })).statusCode, 303);
    assert.equal(await g.services.users.find(ivy.id), undefined);
    assert.equal((await browser.post(`/dashboard/team/${ivy.id}/remove`, { csrf, confirm: 'yes' })).statusCode, 404);
    const forged = await browser.post(`/dashboard/team/${member.id}/role`, { csrf: 'forged', role: 'admin' });
    assert.equal(forged.statusCode, 403, 'the CSRF token is checked');
  });

  await t.test('an admin manages members and admins but not owners', async () => {
    const { browser, dashboard, csrf } = await signedIn('ada.admin@example.com', '10.1.0.6');
    assert.ok(!dashboard.includes('<option value="owner"'), 'no owner option for an admin');
    assert.equal((await browser.post('/dashboard/team/invite', { csrf, email: 'boss@example.com', role: 'owner' })).statusCode, 403);
    assert.equal((await browser.post(`/dashboard/team/${owner.id}/role`, { csrf, role: 'member' })).statusCode, 403);
    assert.equal((await browser.post(`/dashboard/team/${owner.id}/remove`, { csrf, confirm: 'yes' })).statusCode, 403);
    assert.equal((await browser.post(`/dashboard/team/${member.id}/role`, { csrf, role: 'admin' })).statusCode, 303);
    assert.equal((await browser.post(`/dashboard/team/${member.id}/role`, { csrf, role: 'member' })).statusCode, 303);
    const invited = await browser.post('/dashboard/team/invite', { csrf, email: 'new.member@example.com', role: 'member' });
    assert.equal(invited.statusCode, 201);
  });

  await t.test('a user of another organization is out of reach (404)', async () => {
    const other = await createOrganization(g, vendor);
    const [stranger] = await g.services.organizations.users(other.organizationId);
    const { browser, csrf } = await signedIn(data.email as string, '10.1.0.7');
    assert.equal((await browser.post(`/dashboard/team/${stranger.id}/role`, { csrf, role: 'member' })).statusCode, 404);
    assert.equal((await browser.post(`/dashboard/team/${stranger.id}/remove`, { csrf, confirm: 'yes' })).statusCode, 404);
  });

  await t.test('dashboard changes are audited with the signed-in user as actor, and write their events', async () => {
    for (const action of ['user.added', 'user.updated', 'user.removed']) {
      const events = await g.services.audit.list({ action, limit: 100 });
      assert.ok(
        events.some((e) => e.actor === owner.id && (e.details as { via?: string }).via === 'dashboard'),
        action,
      );
    }
    for (const type of ['user.added', 'user.updated', 'user.removed'] as const) {
      const events = (await outbox(g, type)).filter((e) => e.organizationId === org.organizationId);
      assert.ok(events.length > 0, type);
      for (const e of events) conforms(type, e.data);
    }
  });
});
