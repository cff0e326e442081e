// Schemas shared by the integration routes (seeds 000 and 001).
export const idProperty = { type: 'string', minLength: 1, maxLength: 100 } as const;

/** Seed 000's `data` for custom_hosted integrations: the partner's credentials for the vendor. */
export const integrationData = {
  type: 'object',
  additionalProperties: false,
  required: ['vendorId', 'integrationCredentials'],
  properties: {
    vendorId: idProperty,
    integrationCredentials: { type: 'object', maxProperties: 100, additionalProperties: true },
  },
} as const;
