// Admin API: console operator accounts. Creating one answers a one-time set-password link (shown
// once); the operator opens it, chooses a password, and signs in at /console/login.
import type { App } from '../http/route-types.ts';
import type { Operator } from '../accounts/operators.ts';
import type { Services } from '../services.ts';
import { adminError, idParam, noBody } from './schemas.ts';

const view = {
  type: 'object',
  properties: {
    operator_id: { type: 'string' },
    email: { type: 'string' },
    has_password: { type: 'boolean' },
    created_by: { type: 'string' },
    created_at: { type: 'string' },
    last_login_at: { type: ['string', 'null'] },
  },
} as const;
const withLink = { type: 'object', properties: { ...view.properties, password_link: { type: 'string' }, password_link_expires_at: { type: 'string' } } };

function operatorView(o: Operator) {
  return {
    operator_id: o.id,
    email: o.email,
    has_password: o.password_hash !== null,
    created_by: o.created_by,
    created_at: o.created_at.toISOString(),
    last_login_at: o.last_login_at?.toISOString() ?? null,
  };
}

export function adminOperatorRoutes(app: App, { operators, audit }: Services) {
  const tags = ['admin: operators'];
  const errors = { '4xx': adminError };

  app.post(
    '/operators',
    {
      schema: {
        tags,
        summary: 'Create a console operator (answers a one-time set-password link, shown once)',
        body: { type: 'object', additionalProperties: false, required: ['email'], properties: { email: { type: 'string', minLength: 1, maxLength: 320 } } },
        response: { 201: withLink, ...errors },
      },
    },
    async (request, reply) => {
      const { operator, link } = await operators.create(request.body.email, 'admin');
      audit.record({
        action: 'operator.created',
        outcome: 'success',
        actor: 'admin',
        ip: request.ip,
        details: { operator_id: operator.id, email: operator.email },
      });
      return reply.status(201).send({ ...operatorView(operator), password_link: link.url, password_link_expires_at: link.expiresAt.toISOString() });
    },
  );

  app.get(
    '/operators',
    {
      schema: {
        tags,
        summary: 'List console operators (by email)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { after: { type: 'string', maxLength: 320 }, limit: { type: 'integer', minimum: 1, maximum: 500 } },
        },
        response: { 200: { type: 'object', properties: { operators: { type: 'array', items: view } } } },
      },
    },
    async (request) => ({ operators: (await operators.list(request.query)).map(operatorView) }),
  );

  app.post(
    '/operators/:id/password-link',
    {
      schema: {
        tags,
        summary: 'A new one-time set-password link for an operator (shown once)',
        params: idParam,
        body: noBody,
        response: { 201: withLink, ...errors },
      },
    },
    async (request, reply) => {
      const { operator, link } = await operators.passwordLink(request.params.id);
      audit.record({ action: 'operator.password_link_created', outcome: 'success', actor: 'admin', ip: request.ip, details: { operator_id: operator.id } });
      return reply.status(201).send({ ...operatorView(operator), password_link: link.url, password_link_expires_at: link.expiresAt.toISOString() });
    },
  );
}
