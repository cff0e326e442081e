// The OpenAPI document is generated from the route schemas; /docs serves an interactive page.
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Services } from '../services.ts';
import { eventSchemas, eventWebhooks } from '../webhooks/openapi.ts';

export async function openApi(app: FastifyInstance, { config }: Services) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Gatehouse', version: '0.1.0', description: 'Integration identity hub: OAuth 2.0 server, admin API.' },
      servers: [{ url: config.publicUrl }],
      webhooks: eventWebhooks(),
      components: {
        schemas: eventSchemas(),
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: 'Admin token' },
          oemAccessToken: { type: 'http', scheme: 'bearer', description: 'Access token from /oauth/token (client_credentials) with scope vendor_manage or oem:partner_token' },
          mspcToken: { type: 'http', scheme: 'bearer', description: 'MSPC_TOKEN: base64(vendorApiKey + ":" + partnerApiKey)' },
          mspcTokenHeader: { type: 'apiKey', in: 'header', name: 'MSPC-TOKEN', description: 'The MSPC_TOKEN in its own header' },
          mspToken: { type: 'http', scheme: 'bearer', description: 'Access token with scope webhooks:manage bound to an organization (the MSP app token from the implicit grant)' },
          partnerToken: { type: 'http', scheme: 'bearer', description: 'Access token a partner platform got from the authorization-code exchange (seed 003)' },
        },
      },
    },
  });
  // The page sets its own policy; keep the product's frame-ancestors 'none', and upgrade requests
  // only when served over https, as every other page does.
  const https = config.publicUrl.startsWith('https:');
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header: string) => {
      const policy = header.replace("frame-ancestors 'self'", "frame-ancestors 'none'");
      return https ? policy : policy.replace(/\s*upgrade-insecure-requests;/, '');
    },
  });
}
