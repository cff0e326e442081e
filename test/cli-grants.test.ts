// The grant types `gatehouse client create` and `client update` send, from the flags: the
// README's `--public --implicit --redirect-uri ...` failed with "a public client cannot use
// client_credentials" because every client defaulted to client_credentials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGrants, updateGrants } from '../src/cli/client-grants.ts';

const CB = ['https://msp.example/cb'];

test('create: grant types follow from the flags', () => {
  assert.deepEqual(createGrants({}), { grant_types: ['client_credentials'] });
  assert.deepEqual(createGrants({ redirectUris: CB }), { grant_types: ['authorization_code', 'refresh_token'] });
  assert.deepEqual(createGrants({ public: true }), { type: 'public', grant_types: ['authorization_code', 'refresh_token'] });
  assert.deepEqual(createGrants({ public: true, redirectUris: CB }), { type: 'public', grant_types: ['authorization_code', 'refresh_token'] });
  assert.deepEqual(createGrants({ public: true, implicit: true, redirectUris: CB }), { type: 'public', grant_types: ['implicit'], allow_implicit: true });
  assert.deepEqual(
    createGrants({ implicit: true, redirectUris: CB }),
    { type: 'public', grant_types: ['implicit'], allow_implicit: true },
    '--implicit alone is a public client',
  );
});

test('create: --grant-types given explicitly wins; --implicit adds the implicit grant to it', () => {
  assert.deepEqual(createGrants({ grantTypes: ['client_credentials'], redirectUris: CB }), { grant_types: ['client_credentials'] });
  assert.deepEqual(createGrants({ public: true, grantTypes: ['authorization_code'] }), { type: 'public', grant_types: ['authorization_code'] });
  assert.deepEqual(createGrants({ public: true, implicit: true, grantTypes: ['implicit'], redirectUris: CB }), {
    type: 'public',
    grant_types: ['implicit'],
    allow_implicit: true,
  });
  assert.deepEqual(createGrants({ implicit: true, grantTypes: ['authorization_code', 'refresh_token'], redirectUris: CB }), {
    type: 'public',
    grant_types: ['authorization_code', 'refresh_token', 'implicit'],
    allow_implicit: true,
  });
});

test('create: --implicit needs exactly one redirect URI and no confidential grant', () => {
  assert.throws(() => createGrants({ implicit: true }), /--implicit needs exactly one --redirect-uri .*got 0/);
  assert.throws(() => createGrants({ public: true, implicit: true, redirectUris: [...CB, 'https://msp.example/cb2'] }), /exactly one --redirect-uri .*got 2/);
  assert.throws(
    () => createGrants({ implicit: true, grantTypes: ['client_credentials'], redirectUris: CB }),
    /--implicit makes a public client, which cannot use client_credentials/,
  );
});

test('update: only what the flags ask changes; --implicit needs a public client with one redirect URI', () => {
  const publicClient = { client_id: 'p', type: 'public', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: CB };
  const confidential = { client_id: 'c', type: 'confidential', grant_types: ['client_credentials'], redirect_uris: CB };
  assert.deepEqual(updateGrants({}), {});
  assert.deepEqual(updateGrants({ redirectUris: CB }), {}, 'redirect URIs alone change no grant');
  assert.deepEqual(updateGrants({ grantTypes: ['authorization_code'] }), { grant_types: ['authorization_code'] });
  assert.deepEqual(updateGrants({ implicit: true }, publicClient), { grant_types: ['authorization_code', 'refresh_token', 'implicit'], allow_implicit: true });
  assert.deepEqual(updateGrants({ implicit: true, grantTypes: ['implicit'] }, publicClient), { grant_types: ['implicit'], allow_implicit: true });
  assert.throws(() => updateGrants({ implicit: true }, confidential), /--implicit needs a public client; client "c" is confidential/);
  assert.throws(() => updateGrants({ implicit: true }, { ...publicClient, redirect_uris: [] }), /exactly one --redirect-uri/);
  assert.deepEqual(updateGrants({ implicit: true, redirectUris: ['https://msp.example/new'] }, { ...publicClient, redirect_uris: [] }), {
    grant_types: ['authorization_code', 'refresh_token', 'implicit'],
    allow_implicit: true,
  });
});
