// Prometheus metrics, in a registry of this app's own (no global state): request count and
// latency by route, tokens issued by grant, errors by code, audit events lost. With
// GATEHOUSE_METRICS_TOKEN set, GET /metrics needs `Authorization: Bearer <token>` (RFC 6750 §3
// challenge otherwise).
import type { FastifyInstance, onResponseHookHandler } from 'fastify';
import { safeEqual, sha256 } from '../crypto.ts';
import { errors } from '../errors.ts';
import { bearerHeaders, bearerToken } from '../http/authorization.ts';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' });
  return {
    registry,
    requests: new Histogram({
      name: 'gatehouse_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    tokensIssued: new Counter({
      name: 'gatehouse_tokens_issued_total',
      help: 'Access tokens issued by grant type',
      labelNames: ['grant'],
      registers: [registry],
    }),
    errors: new Counter({ name: 'gatehouse_errors_total', help: 'Error responses by code', labelNames: ['code', 'status'], registers: [registry] }),
    logins: new Counter({
      name: 'gatehouse_logins_total',
      help: 'Sign-ins by outcome (success, failure, throttled)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    consents: new Counter({
      name: 'gatehouse_consents_total',
      help: 'Consent decisions (granted, denied, remembered, skipped)',
      labelNames: ['decision'],
      registers: [registry],
    }),
    authorizationCodes: new Counter({
      name: 'gatehouse_authorization_codes_total',
      help: 'Authorization codes issued, redeemed and replayed',
      labelNames: ['event'],
      registers: [registry],
    }),
    auditDropped: new Counter({
      name: 'gatehouse_audit_dropped_total',
      help: 'Audit events that could not be stored: held_overflow (the buffer kept while the database was away was full), refused (the database refused the event even with its outside values replaced), shutdown (still held when the process stopped)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    userinfo: new Counter({
      name: 'gatehouse_userinfo_total',
      help: 'UserInfo requests by outcome (answered, or the RFC 6750 error code of the refusal)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    refreshTokens: new Counter({
      name: 'gatehouse_refresh_tokens_total',
      help: 'Refresh tokens rotated, reused (family revoked) and reused within the grace window',
      labelNames: ['event'],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

export function metricsHooks(app: FastifyInstance, metrics: Metrics, token?: string) {
  const observe =
    (route: string): onResponseHookHandler =>
    (request, reply, done) => {
      const status = reply.statusCode;
      metrics.requests.observe({ method: request.method, route, status }, reply.elapsedTime / 1000);
      if (status >= 400) metrics.errors.inc({ code: request.errorCode ?? String(status), status });
      done();
    };
  // Each route gets a hook of its own as it is declared, its path known then rather than looked up
  // in the route's options on every response; requests no route matched count as 'unmatched'.
  app.addHook('onRoute', (route) => {
    route.onResponse = [...[route.onResponse ?? []].flat(), observe(route.url)];
  });
  const unmatched = observe('unmatched');
  app.addHook('onResponse', function (request, reply, done) {
    if (request.is404) unmatched.call(this, request, reply, done);
    else done();
  });
  const expected = token === undefined ? undefined : sha256(token);
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (expected !== undefined) {
      const presented = bearerToken(request.headers.authorization);
      // Hashes of equal length, compared in constant time.
      if (presented === undefined || !safeEqual(sha256(presented), expected)) {
        throw errors
          .Unauthorized(presented === undefined ? 'the metrics Bearer token is required' : 'the metrics token is not valid')
          .with(bearerHeaders({ realm: 'gatehouse-metrics', error: presented === undefined ? undefined : 'invalid_token' }));
      }
    }
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
