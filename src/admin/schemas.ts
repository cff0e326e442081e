// JSON schemas shared by the admin routes: they validate input (unknown keys rejected) and
// shape output (unlisted fields, such as secret hashes, never leave the server).
export const adminError = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
};

export const clientInput = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    type: { type: 'string', enum: ['confidential', 'public'] },
    grant_types: { type: 'array', items: { type: 'string' }, maxItems: 10 },
    scopes: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 100 },
    redirect_uris: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 2000 }, maxItems: 50 },
    post_logout_redirect_uris: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 2000 }, maxItems: 50 },
    token_format: { type: 'string', enum: ['jwt', 'opaque'] },
    access_token_ttl: { type: ['integer', 'null'], minimum: 0, maximum: 31536000 },
    allow_implicit: { type: 'boolean' },
    tenant_scope: { type: 'boolean' },
    skip_consent: { type: 'boolean' },
    launch_url: { type: ['string', 'null'], maxLength: 2000 },
    introspect: { type: 'boolean' },
  },
} as const;

export const clientView = {
  type: 'object',
  properties: {
    client_id: { type: 'string' },
    name: { type: 'string' },
    type: { type: 'string' },
    grant_types: { type: 'array', items: { type: 'string' } },
    scopes: { type: 'array', items: { type: 'string' } },
    redirect_uris: { type: 'array', items: { type: 'string' } },
    post_logout_redirect_uris: { type: 'array', items: { type: 'string' } },
    token_format: { type: 'string' },
    access_token_ttl: { type: ['integer', 'null'] },
    allow_implicit: { type: 'boolean' },
    tenant_scope: { type: 'boolean' },
    skip_consent: { type: 'boolean' },
    launch_url: { type: ['string', 'null'] },
    introspect: { type: 'boolean' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
};

export const clientWithSecret = {
  type: 'object',
  properties: { ...clientView.properties, client_secret: { type: ['string', 'null'] } },
};

export const keyView = {
  type: 'object',
  properties: {
    kid: { type: 'string' },
    alg: { type: 'string' },
    status: { type: 'string' },
    created_at: { type: 'string' },
    activated_at: { type: ['string', 'null'] },
    expires_at: { type: ['string', 'null'] },
  },
};

export const auditView = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    at: { type: 'string' },
    action: { type: 'string' },
    outcome: { type: 'string' },
    actor: { type: ['string', 'null'] },
    client_id: { type: ['string', 'null'] },
    ip: { type: ['string', 'null'] },
    details: { type: 'object', additionalProperties: true },
  },
};

/** For actions that take no input: an empty body or none, so a stray field is refused, not ignored. */
export const noBody = { type: ['object', 'null'], additionalProperties: false, properties: {} } as const;

export const idParam = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['id'] } as const;
