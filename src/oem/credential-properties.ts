// The body credentials' schema (seed 000), apart from caller.ts, which takes the services: the
// idempotency module, whose store services.ts names, leaves these fields out of a request's
// fingerprint, and taking them from caller.ts closed an import cycle.
/** Schema properties for credentials in the body (seed 000). */
export const credentialProperties = {
  clientId: { type: 'string', minLength: 1, maxLength: 200 },
  clientSecret: { type: 'string', minLength: 1, maxLength: 500 },
  grantType: { type: 'string', enum: ['client_credentials'] },
  scope: { type: 'string', maxLength: 1000 },
} as const;
