// Configuration: defaults, accepted forms, and a ConfigError naming the variable for every bad
// value, without repeating anything that may be a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config.ts';

const KEY = Buffer.alloc(32, 9).toString('base64');

function fails(env: Record<string, string>, variable: string, secret?: string) {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.variable, variable, error.message);
      assert.ok(error.message.startsWith(`${variable}: `), error.message);
      if (secret) assert.ok(!error.message.includes(secret), `the message repeats a secret: ${error.message}`);
      return true;
    },
    JSON.stringify(env),
  );
}

test('defaults', () => {
  const config = loadConfig({});
  assert.equal(config.port, 3000);
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.publicUrl, 'http://localhost:3000');
  assert.equal(config.dataDir, path.resolve('.gatehouse'));
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.redisUrl, undefined);
  assert.equal(config.adminToken, undefined);
  assert.equal(config.encryptionKey, undefined, 'generated into the data dir at start');
  assert.deepEqual(config.allowPrivateNetworks, []);
  assert.equal(config.logLevel, 'info');
  assert.equal(config.signingAlgorithm, 'ES256');
  assert.equal(config.accessTokenTtl, 3600);
  assert.deepEqual(config.tokenRateLimit, { perClient: 1200, perIp: 1200, windowMs: 60_000 });
  assert.equal(config.bodyLimit, 64 * 1024);
  assert.ok(Object.isFrozen(config));
  assert.throws(() => {
    (config as { port: number }).port = 1;
  }, TypeError);
});

test('accepted values', () => {
  const config = loadConfig({
    PORT: '8080',
    HOST: '127.0.0.1',
    GATEHOUSE_DATA_DIR: 'var/gatehouse',
    DATABASE_URL: 'postgresql://gh:pw@db.internal:5432/gatehouse',
    REDIS_URL: 'rediss://cache.internal:6380/0',
    GATEHOUSE_ADMIN_TOKEN: 'a-long-enough-admin-token',
    GATEHOUSE_ENCRYPTION_KEY: KEY,
    GATEHOUSE_ALLOW_PRIVATE_NETWORKS: '10.0.0.0/8, 192.168.1.5 ,fd00::/8',
    LOG_LEVEL: 'debug',
    GATEHOUSE_SIGNING_ALG: 'EdDSA',
    GATEHOUSE_TOKEN_RATE_LIMIT_CLIENT: '5',
    GATEHOUSE_BODY_LIMIT: '2048',
  });
  assert.equal(config.port, 8080);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.publicUrl, 'http://localhost:8080', 'the default issuer follows PORT');
  assert.equal(config.dataDir, path.resolve('var/gatehouse'));
  assert.equal(config.databaseUrl, 'postgresql://gh:pw@db.internal:5432/gatehouse');
  assert.equal(config.redisUrl, 'rediss://cache.internal:6380/0');
  assert.equal(config.adminToken, 'a-long-enough-admin-token');
  assert.deepEqual(config.encryptionKey, Buffer.alloc(32, 9));
  assert.deepEqual(config.allowPrivateNetworks, ['10.0.0.0/8', '192.168.1.5', 'fd00::/8']);
  assert.equal(config.logLevel, 'debug');
  assert.equal(config.signingAlgorithm, 'EdDSA');
  assert.equal(config.tokenRateLimit.perClient, 5);
  assert.equal(config.bodyLimit, 2048);

  assert.equal(loadConfig({ GATEHOUSE_PUBLIC_URL: 'https://id.example.com/' }).publicUrl, 'https://id.example.com', 'no trailing slash on the issuer');
  assert.equal(loadConfig({ PORT: '0' }).port, 0);
  assert.equal(loadConfig({ DATABASE_URL: 'postgres://localhost/x', GATEHOUSE_ENCRYPTION_KEY: KEY }).databaseUrl, 'postgres://localhost/x');
  assert.equal(loadConfig({ REDIS_URL: 'redis://localhost:6379' }).redisUrl, 'redis://localhost:6379');
  assert.equal(loadConfig({ GATEHOUSE_ALLOW_PRIVATE_NETWORKS: 'true' }).allowPrivateNetworks, true);
  assert.deepEqual(loadConfig({ GATEHOUSE_ALLOW_PRIVATE_NETWORKS: 'false' }).allowPrivateNetworks, []);
  assert.equal(loadConfig({ GATEHOUSE_DATA_DIR: 'memory://' }).dataDir, 'memory://');
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) assert.equal(loadConfig({ LOG_LEVEL: level }).logLevel, level);
  // Empty means unset.
  assert.equal(loadConfig({ PORT: '', LOG_LEVEL: '', DATABASE_URL: '', GATEHOUSE_ADMIN_TOKEN: '' }).port, 3000);
});

test('PORT', () => {
  for (const value of ['abc', '-1', '65536', '3000.5', ' 3000', '3e3', '0x50']) fails({ PORT: value }, 'PORT');
});

test('GATEHOUSE_PUBLIC_URL', () => {
  for (const value of ['not a url', 'localhost:3000', 'ftp://id.example.com', '/relative']) fails({ GATEHOUSE_PUBLIC_URL: value }, 'GATEHOUSE_PUBLIC_URL');
});

test('DATABASE_URL, and the encryption key it requires', () => {
  fails({ DATABASE_URL: 'mysql://root:hunter2@db/x', GATEHOUSE_ENCRYPTION_KEY: KEY }, 'DATABASE_URL', 'hunter2');
  fails({ DATABASE_URL: 'http://db/x', GATEHOUSE_ENCRYPTION_KEY: KEY }, 'DATABASE_URL');
  fails({ DATABASE_URL: 'postgres://gh:pass word%@@db host/x', GATEHOUSE_ENCRYPTION_KEY: KEY }, 'DATABASE_URL', 'pass word');
  fails({ DATABASE_URL: 'postgres://localhost/x' }, 'GATEHOUSE_ENCRYPTION_KEY');
});

test('REDIS_URL', () => {
  fails({ REDIS_URL: 'http://cache:6379' }, 'REDIS_URL');
  fails({ REDIS_URL: 'cache:6379' }, 'REDIS_URL');
  fails({ REDIS_URL: 'redis://:s3cret pw@cache host:6379' }, 'REDIS_URL', 's3cret');
});

test('GATEHOUSE_ENCRYPTION_KEY', () => {
  const cases = [
    Buffer.alloc(16, 1).toString('base64'),
    Buffer.alloc(33, 1).toString('base64'),
    'not base64 at all!!',
    Buffer.alloc(32, 1).toString('hex'),
    Buffer.alloc(32, 0xfb).toString('base64url'),
  ];
  for (const value of cases) fails({ GATEHOUSE_ENCRYPTION_KEY: value }, 'GATEHOUSE_ENCRYPTION_KEY', value);
});

test('GATEHOUSE_ALLOW_PRIVATE_NETWORKS', () => {
  for (const value of ['yes', 'localhost', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/8/1', '10.0.0/8', '10.0.0.0/8,nope', '10.0.0.0/x']) {
    fails({ GATEHOUSE_ALLOW_PRIVATE_NETWORKS: value }, 'GATEHOUSE_ALLOW_PRIVATE_NETWORKS');
  }
});

test('LOG_LEVEL', () => {
  for (const value of ['verbose', 'INFO', 'warning', '30']) fails({ LOG_LEVEL: value }, 'LOG_LEVEL');
});

test('the other settings', () => {
  fails({ GATEHOUSE_ADMIN_TOKEN: 'short' }, 'GATEHOUSE_ADMIN_TOKEN', 'short');
  fails({ GATEHOUSE_SIGNING_ALG: 'HS256' }, 'GATEHOUSE_SIGNING_ALG');
  fails({ GATEHOUSE_BODY_LIMIT: '100' }, 'GATEHOUSE_BODY_LIMIT');
  fails({ GATEHOUSE_TOKEN_RATE_LIMIT_CLIENT: '0' }, 'GATEHOUSE_TOKEN_RATE_LIMIT_CLIENT');
  fails({ GATEHOUSE_TOKEN_RATE_LIMIT_IP: 'many' }, 'GATEHOUSE_TOKEN_RATE_LIMIT_IP');
  fails({ GATEHOUSE_ACCESS_TOKEN_TTL: '10' }, 'GATEHOUSE_ACCESS_TOKEN_TTL');
});

test('the admin and metrics tokens are sent as Bearer tokens, so they must be token68 (RFC 6750 §2.1)', () => {
  for (const variable of ['GATEHOUSE_ADMIN_TOKEN', 'GATEHOUSE_METRICS_TOKEN']) {
    for (const value of ['with spaces in it, long enough', 'quote"in-a-long-token', 'comma,in,a,long,token', 'trailing-padding=x-long'])
      fails({ [variable]: value }, variable, value);
    assert.equal(
      loadConfig({ [variable]: 'gha_AZaz09-._~+/token==' })[variable === 'GATEHOUSE_ADMIN_TOKEN' ? 'adminToken' : 'metricsToken'],
      'gha_AZaz09-._~+/token==',
    );
  }
});
