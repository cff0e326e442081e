// Request examples for the API documentation (OEM and Vendor API): the OEM documentation's own bodies with plausible
// values, so /docs shows what to send instead of what a schema generator makes of a pattern.
const credentials = {
  clientId: 'Yp3qJ8cR2mWv5tZk1nB7xA',
  clientSecret: 'the client secret shown when the vendor was created',
  grantType: 'client_credentials',
  scope: 'vendor_manage',
};
const organizationOemToken = 'ghorg_the organization OEM token shown when the organization was created';

export const examples = {
  organization: {
    ...credentials,
    data: {
      name: 'Wisozk Inc',
      email: 'ansley@wisozk.example',
      firstName: 'Ansley',
      lastName: 'Parisian',
      vendorUserId: '1234',
      vendorOrganizationId: '1234',
    },
  },
  user: {
    ...credentials,
    organizationOemToken,
    data: { email: 'dana@wisozk.example', firstName: 'Dana', lastName: 'Lee', vendorUserId: '5678', role: 'admin' },
  },
  session: { ...credentials, organizationOemToken, vendorUserId: '5678' },
  externalIntegration: { integrationType: 'external', organizationId: '6745d1c3a9e2f0b4c8d7e6f5', vendorId: '6745d1c3a9e2f0b4c8d7e6a1' },
  customHostedIntegration: {
    ...credentials,
    organizationOemToken,
    data: { vendorId: '6745d1c3a9e2f0b4c8d7e6a1', integrationCredentials: { apiUrl: 'https://psa.wisozk.example', apiKey: 'the partner key for the vendor' } },
  },
  account: { vendorAccountId: 'acct-1', name: 'Head office', externalId: 'x-1' },
  status: { status: 'active' },
};
