// The OpenAPI document is generated from the route schemas; /docs serves an interactive page.
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Services } from '../services.ts';
import { codesOf } from '../error-catalog.ts';
import { FAVICON_SVG } from '../ui/layout.ts';
import { eventSchemas, eventWebhooks } from '../webhooks/openapi.ts';

export async function openApi(app: FastifyInstance, { config }: Services) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gatehouse API',
        version: '0.1.0',
        description:
          'Gatehouse, the integration identity hub for platforms that serve managed service providers: the OAuth 2.0 ' +
          'authorization server, the OEM API vendors enrol partners with, the Vendor API, the MSP API for webhooks, the partner ' +
          'App Info, the admin API, and the signed webhook events (see webhooks). Every error names the field or condition at fault.',
      },
      servers: [{ url: config.publicUrl }],
      webhooks: eventWebhooks(),
      components: {
        schemas: { ...eventSchemas(), ...errorSchemas() },
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: 'Admin token' },
          oemAccessToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'Access token from /oauth/token (client_credentials) with scope vendor_manage or oem:partner_token',
          },
          mspcToken: { type: 'http', scheme: 'bearer', description: 'MSPC_TOKEN: base64(vendorApiKey + ":" + partnerApiKey)' },
          mspcTokenHeader: { type: 'apiKey', in: 'header', name: 'MSPC-TOKEN', description: 'The MSPC_TOKEN in its own header' },
          mspToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'Access token with scope webhooks:manage bound to an organization (the MSP app token from the implicit grant)',
          },
          partnerToken: { type: 'http', scheme: 'bearer', description: 'Access token a partner platform got from the authorization-code exchange (seed 003)' },
          userAccessToken: {
            type: 'http',
            scheme: 'bearer',
            description:
              'Access token a user authorised with scope openid (authorization-code flow); also accepted as access_token in a form-encoded POST body',
          },
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
    theme: {
      title: 'Gatehouse API documentation',
      favicon: [{ filename: 'favicon.svg', rel: 'icon', type: 'image/svg+xml', sizes: 'any', content: FAVICON_SVG }],
    },
    transformStaticCSP: (header: string) => {
      // Swagger UI sets style attributes from its scripts, which a CSP without 'unsafe-inline' for
      // styles refuses (one console error per element). Styles only, on this page only: its
      // scripts stay limited to its own files.
      const policy = header
        .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
        .replace(/style-src ([^;]*)/, (_all, sources: string) => `style-src ${sources.includes("'unsafe-inline'") ? sources : `${sources} 'unsafe-inline'`}`);
      return https ? policy : policy.replace(/\s*upgrade-insecure-requests;/, '');
    },
  });
}

/** Each audience's error body, with every code the catalog lets it answer (error-catalog.ts). */
function errorSchemas(): Record<string, object> {
  const text = { type: 'string' } as const;
  return {
    OAuthError: {
      description: 'The OAuth endpoints and App Info (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1)',
      type: 'object',
      required: ['error'],
      properties: { error: { type: 'string', enum: codesOf('oauth') }, error_description: text },
    },
    OemError: {
      description: "The OEM and Vendor APIs (the seeds' codes)",
      type: 'object',
      required: ['status', 'error', 'message'],
      properties: { status: { type: 'integer' }, error: { type: 'string', enum: codesOf('oem') }, message: text },
    },
    ApiError: {
      description: 'The admin and MSP APIs and the connector routes',
      type: 'object',
      required: ['error'],
      properties: {
        error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string', enum: codesOf('api') }, message: text } },
      },
    },
  };
}
