// The peer: node-oidc-provider 9 issuing ES256 JWT access tokens for client_credentials, with
// client_secret_basic like Gatehouse (ES256 JWTs as set up in oidc-provider-peer.ts).
import Provider from 'oidc-provider';
import { CLIENT_SECRET as clientSecret, es256JwtSettings, listenLoopback } from './oidc-provider-peer.ts';

const { server, issuer } = await listenLoopback();
const { jwks, scopes, resourceIndicators } = es256JwtSettings();
const clientId = 'bench';
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256', // the only key is ES256
      scope: 'read write',
    },
  ],
  jwks,
  scopes,
  features: {
    clientCredentials: { enabled: true },
    resourceIndicators,
  },
});
server.on('request', provider.callback());
process.stdout.write(JSON.stringify({ url: issuer, clientId, clientSecret }) + '\n');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
