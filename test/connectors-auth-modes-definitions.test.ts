// Connector definitions of every auth mode: what each mode requires and refuses, and placeholders
// that must name a declared config field or credential (checkDefinition, and normalize's defaults).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDefinition, normalize, type DefinitionInput } from '../src/connectors/definition.ts';
import { AppError } from '../src/errors.ts';

const connectWise: DefinitionInput = {
  name: 'ConnectWise-style PSA',
  authMode: 'basic',
  apiBaseUrl: 'https://${connectionConfig.site}/v4_6_release/apis/3.0',
  connectionConfig: [
    { name: 'site', title: 'Site', type: 'string', format: 'hostname', default: 'api-na.myconnectwise.net' },
    { name: 'companyId', title: 'Company ID', type: 'string', pattern: '^[A-Za-z0-9_]+$' },
    { name: 'clientId', title: 'Client ID', type: 'string', format: 'uuid' },
  ],
  credentials: [
    { name: 'publicKey', title: 'Public key', secret: false },
    { name: 'privateKey', title: 'Private key' },
  ],
  basic: { username: '${connectionConfig.companyId}+${credentials.publicKey}', password: '${credentials.privateKey}' },
  proxyHeaders: { clientId: '${connectionConfig.clientId}' },
  verify: { method: 'GET', path: '/system/info' },
  rateLimit: { requests: 60, perSeconds: 60 },
  documentationUrl: 'https://developer.connectwise.com/',
};

const nCentral: DefinitionInput = {
  name: 'N-central-style RMM',
  authMode: 'two_step',
  apiBaseUrl: 'https://${connectionConfig.host}/api',
  connectionConfig: [{ name: 'host', title: 'Server', type: 'string', format: 'hostname' }],
  credentials: [{ name: 'jwt', title: 'User API token' }],
  tokenRequest: { method: 'POST', url: 'https://${connectionConfig.host}/api/auth/authenticate', headers: { Authorization: 'Bearer ${credentials.jwt}' } },
  tokenResponse: { accessToken: 'tokens.access.token', expiresIn: 'tokens.access.expirySeconds' },
};

function refusal(input: DefinitionInput): string {
  try {
    checkDefinition(input);
  } catch (error) {
    assert.ok(error instanceof AppError);
    assert.equal(error.status, 400);
    return error.message;
  }
  assert.fail(`accepted ${JSON.stringify(input)}`);
}

test('a Basic, a two-step and an API-key definition are accepted without any OAuth field', () => {
  checkDefinition(connectWise);
  checkDefinition(nCentral);
  checkDefinition({
    name: 'SentinelOne-style',
    authMode: 'api_key',
    apiBaseUrl: 'https://${connectionConfig.console}.sentinelone.net/web/api/v2.1',
    connectionConfig: [{ name: 'console', title: 'Console', type: 'string', pattern: '^[a-z0-9-]+$' }],
    credentials: [{ name: 'apiKey', title: 'API token' }],
    proxyHeaders: { Authorization: 'ApiToken ${credentials.apiKey}' },
  });
  const d = normalize(connectWise);
  assert.equal(d.authMode, 'basic');
  assert.equal(d.grantType, null);
  assert.equal(d.clientId, null);
  assert.deepEqual(
    d.credentials.map((c) => c.secret),
    [false, true],
  );
  assert.deepEqual(d.rateLimit, { requests: 60, perSeconds: 60 });
  assert.equal(normalize(nCentral).tokenRequest?.bodyFormat, 'json');
  assert.equal(normalize(nCentral).tokenPlacement, 'header');
});

test("today's OAuth definitions default to authMode oauth2 and may declare connectionConfig", () => {
  const oauth: DefinitionInput = {
    name: 'Graph',
    grantType: 'client_credentials',
    tokenUrl: 'https://login.example.com/${connectionConfig.tenant}/oauth2/v2.0/token',
    clientId: 'id',
    clientSecret: 'secret',
    apiBaseUrl: 'https://graph.example.com/v1.0',
    connectionConfig: [{ name: 'tenant', title: 'Tenant', type: 'string', format: 'uuid' }],
  };
  checkDefinition(oauth);
  assert.equal(normalize(oauth).authMode, 'oauth2');
  assert.match(refusal({ ...oauth, clientId: undefined }), /body\/clientId is required/);
  assert.match(
    refusal({ ...oauth, credentials: [{ name: 'k', title: 'K' }] }),
    /body\/credentials applies only to authMode api_key or basic or two_step, not oauth2/,
  );
});

test('cross-field rules: 400 naming the field', () => {
  const cases: [DefinitionInput, RegExp][] = [
    [{ ...connectWise, basic: undefined }, /body\/basic is required when authMode is basic/],
    [{ ...nCentral, tokenRequest: undefined }, /body\/tokenRequest is required when authMode is two_step/],
    [{ ...connectWise, authMode: 'api_key', basic: undefined, proxyHeaders: undefined }, /body\/proxyHeaders is required when authMode is api_key/],
    [{ ...connectWise, clientId: 'x' }, /body\/clientId applies only to authMode oauth2, not basic/],
    [{ ...connectWise, tokenUrl: 'https://vendor.example/token' }, /body\/tokenUrl applies only to authMode oauth2/],
    [{ ...connectWise, tokenPlacement: 'query' }, /body\/tokenPlacement applies only to authMode oauth2 or two_step/],
    [{ ...connectWise, tokenRequest: nCentral.tokenRequest }, /body\/tokenRequest applies only to authMode two_step/],
    [{ ...nCentral, basic: connectWise.basic }, /body\/basic applies only to authMode basic/],
    [
      { ...connectWise, basic: { username: '${credentials.nope}', password: '' } },
      /body\/basic\/username uses \$\{credentials.nope\}, but credentials declares no "nope"/,
    ],
    [{ ...connectWise, apiBaseUrl: 'https://${connectionConfig.zone}/api' }, /body\/apiBaseUrl uses \$\{connectionConfig.zone\}/],
    [{ ...connectWise, proxyHeaders: { clientId: '${config.clientId}' } }, /body\/proxyHeaders\/clientId has "\$\{config.clientId\}", which is not/],
    [{ ...connectWise, proxyHeaders: { clientId: '${connectionConfig.clientId' } }, /body\/proxyHeaders\/clientId has "\$\{connectionConfig.clientId"/],
    [{ ...connectWise, proxyHeaders: { 'Content-Type': 'x' } }, /body\/proxyHeaders\/Content-Type is set by Gatehouse/],
    [{ ...connectWise, proxyHeaders: { 'bad header': 'x' } }, /body\/proxyHeaders\/bad header is not a valid header name/],
    [{ ...connectWise, proxyQuery: { '': 'x' } }, /body\/proxyQuery must not have an empty parameter name/],
    [{ ...connectWise, apiBaseUrl: 'ftp://${connectionConfig.site}/x' }, /body\/apiBaseUrl must use https/],
    [{ ...connectWise, apiBaseUrl: 'https://${connectionConfig.site}/x?y=1' }, /body\/apiBaseUrl must not have a query string/],
    [
      { ...connectWise, connectionConfig: [...connectWise.connectionConfig!, { name: 'site', title: 'Again', type: 'string' }] },
      /body\/connectionConfig\/3\/name repeats "site"/,
    ],
    [
      { ...connectWise, connectionConfig: [{ name: 'site', title: 'Site', type: 'number', pattern: 'x' }] },
      /body\/connectionConfig\/0 pattern and format apply only to type string/,
    ],
    [
      { ...connectWise, connectionConfig: [{ name: 'site', title: 'Site', type: 'string', pattern: '(' }] },
      /body\/connectionConfig\/0\/pattern is not a valid regular expression/,
    ],
    [
      { ...connectWise, connectionConfig: [{ name: 'site', title: 'Site', type: 'string', enum: ['a', 2] }] },
      /body\/connectionConfig\/0\/enum must list values of type string/,
    ],
    [
      { ...connectWise, connectionConfig: [{ name: 'site', title: 'Site', type: 'string', enum: ['eu', 'na'], default: 'au' }] },
      /body\/connectionConfig\/0\/default must be one of: eu, na/,
    ],
    [
      { ...connectWise, connectionConfig: [{ name: 'site', title: 'Site', type: 'string', format: 'hostname', default: 'not a host' }] },
      /body\/connectionConfig\/0\/default must be a hostname/,
    ],
    [
      {
        ...connectWise,
        credentials: [
          { name: 'k', title: 'K' },
          { name: 'k', title: 'K' },
        ],
      },
      /body\/credentials\/1\/name repeats "k"/,
    ],
    [
      { ...nCentral, tokenRequest: { method: 'GET', url: 'https://${connectionConfig.host}/auth', body: { a: 'b' } } },
      /body\/tokenRequest\/body cannot be sent with GET/,
    ],
    [
      { ...nCentral, tokenRequest: { method: 'POST', url: 'https://${connectionConfig.host}/auth', bodyFormat: 'form', body: { a: 1 } } },
      /body\/tokenRequest\/body\/a must be a string when bodyFormat is form/,
    ],
    [{ ...nCentral, tokenRequest: { method: 'POST', url: 'relative/auth' } }, /body\/tokenRequest\/url must be an absolute URL/],
    [{ ...nCentral, proxyHeaders: { authorization: 'x' } }, /body\/proxyHeaders names Authorization, where the access token goes/],
    [
      {
        ...nCentral,
        tokenResponse: { config: { region: 'region' } },
        tokenRequest: { method: 'POST', url: 'https://${connectionConfig.region}.vendor.example/auth' },
      },
      /body\/tokenRequest\/url uses \$\{connectionConfig.region\}, which is known only after the token exchange/,
    ],
    [{ ...connectWise, proxyMethods: ['GET'], verify: { method: 'POST', path: '/x' } }, /body\/verify\/method is POST, which proxyMethods does not allow/],
  ];
  for (const [input, message] of cases) {
    assert.match(refusal(input), message, JSON.stringify(input));
  }
});

test('a value lifted from the token response may be used in apiBaseUrl and the proxy headers', () => {
  checkDefinition({
    name: 'Salesforce-style',
    grantType: 'client_credentials',
    tokenUrl: 'https://login.vendor.example/token',
    clientId: 'id',
    clientSecret: 'secret',
    apiBaseUrl: '${connectionConfig.instanceUrl}/services/data',
    tokenResponse: { config: { instanceUrl: 'instance_url' } },
  });
});

test("an OAuth connector's hosts, where the client secret goes, are chosen from an enum only; a tenant in the path is free", () => {
  const oauth: DefinitionInput = {
    name: 'Per-tenant OAuth',
    grantType: 'authorization_code',
    authUrl: 'https://login.example.com/${connectionConfig.tenant}/authorize',
    tokenUrl: 'https://login.example.com/${connectionConfig.tenant}/token',
    clientId: 'operator-client',
    clientSecret: 'operator-secret',
    apiBaseUrl: 'https://${connectionConfig.region}.api.example.com',
    connectionConfig: [
      { name: 'tenant', title: 'Tenant', type: 'string', pattern: '^[A-Za-z0-9.-]+$' },
      { name: 'region', title: 'Region', type: 'string', enum: ['eu', 'us'] },
      { name: 'host', title: 'Host', type: 'string', format: 'hostname' },
    ],
  };
  checkDefinition(oauth);
  checkDefinition({ ...oauth, tokenUrl: 'https://${connectionConfig.region}.login.example.com/token' });
  assert.match(refusal({ ...oauth, tokenUrl: 'https://${connectionConfig.host}/token' }), /tokenUrl puts \$\{connectionConfig.host\} in the host/);
  assert.match(refusal({ ...oauth, revocationUrl: 'https://${connectionConfig.tenant}.example.com/revoke' }), /revocationUrl puts/);
  assert.match(refusal({ ...oauth, authUrl: '${connectionConfig.host}/authorize' }), /authUrl puts/);
});

test("a client-credentials connector's API host, where the operator's token goes, is chosen from an enum only (or lifted from the token response)", () => {
  const cc: DefinitionInput = {
    name: 'Per-region client credentials',
    grantType: 'client_credentials',
    tokenUrl: 'https://login.example.com/token',
    clientId: 'operator-client',
    clientSecret: 'operator-secret',
    apiBaseUrl: 'https://${connectionConfig.region}.api.example.com/${connectionConfig.host}',
    connectionConfig: [
      { name: 'region', title: 'Region', type: 'string', enum: ['eu', 'us'] },
      { name: 'host', title: 'Host', type: 'string', format: 'hostname' },
    ],
  };
  checkDefinition(cc);
  assert.match(
    refusal({ ...cc, apiBaseUrl: 'https://${connectionConfig.host}/api' }),
    /^body\/apiBaseUrl puts \$\{connectionConfig.host\} in the host, where the operator's client-credentials token goes/,
  );
  assert.match(refusal({ ...cc, apiBaseUrl: '${connectionConfig.host}/api' }), /^body\/apiBaseUrl puts \$\{connectionConfig.host\} in the host/);
  checkDefinition({ ...cc, apiBaseUrl: '${connectionConfig.instanceUrl}/api', tokenResponse: { config: { instanceUrl: 'instance_url' } } });
  // An authorization-code token is the organization's own: its API host may come from any setting.
  checkDefinition({
    ...cc,
    grantType: 'authorization_code',
    authUrl: 'https://login.example.com/authorize',
    apiBaseUrl: 'https://${connectionConfig.host}/api',
  });
});

test('a value lifted from the token response cannot share a setting’s name, nor choose a host the client secret or the exchange goes to', () => {
  const lifting: DefinitionInput = {
    name: 'Lifting',
    grantType: 'client_credentials',
    tokenUrl: 'https://login.example.com/token',
    clientId: 'operator-client',
    clientSecret: 'operator-secret',
    apiBaseUrl: 'https://${connectionConfig.region}.api.example.com',
    connectionConfig: [{ name: 'region', title: 'Region', type: 'string', enum: ['eu', 'us'] }],
    tokenResponse: { config: { instance: 'instance_url' } },
  };
  checkDefinition(lifting);
  assert.match(
    refusal({ ...lifting, tokenResponse: { config: { region: 'region' } } }),
    /^body\/tokenResponse\/config\/region is also a connectionConfig field/,
  );
  for (const field of ['tokenUrl', 'refreshUrl', 'revocationUrl'] as const) {
    assert.match(refusal({ ...lifting, [field]: 'https://${connectionConfig.instance}/oauth' }), new RegExp(`^body/${field} `), field);
  }
  assert.match(refusal({ ...lifting, grantType: 'authorization_code', authUrl: 'https://${connectionConfig.instance}/authorize' }), /^body\/authUrl /);
  assert.match(
    refusal({
      ...nCentral,
      tokenResponse: { config: { instance: 'instance' } },
      tokenRequest: { method: 'POST', url: 'https://${connectionConfig.instance}/auth' },
    }),
    /^body\/tokenRequest\/url uses \$\{connectionConfig.instance\}, which is known only after the token exchange/,
  );
  // A definition stored before the rule: the setting stays the organization's, never the vendor's.
  const stored = normalize({ ...lifting, tokenResponse: { config: { region: 'region', instance: 'instance_url' } } });
  assert.deepEqual(stored.tokenResponse.config, { instance: 'instance_url' });
});
