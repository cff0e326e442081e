// Failed authentications per client address, before any credential is looked at: on the admin
// API, the Vendor API and the connector proxy an address that failed GATEHOUSE_AUTH_FAILURE_LIMIT_IP
// times in the window gets 429 (in its surface's vocabulary) until the window ends, whatever it
// presents, so guessing tokens costs a window per handful of guesses. Every failure is counted in
// gatehouse_auth_failures_total; only the first GATEHOUSE_AUTH_FAILURE_AUDITED of an address in a
// window also become audit events, so a flood cannot fill the audit log.
import type { FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { AppError } from '../errors.ts';
import type { Config } from '../config.ts';
import type { LimitCounter } from './rate-limit.ts';
import { tooManyRequests } from './rate-limit.ts';

export type AuthSurface = 'admin' | 'vendor_api' | 'connector_proxy';

export class AuthFailures {
  #counter: LimitCounter;
  #limit: Config['authFailureLimit'];
  #metric: Counter<'surface' | 'audited'>;

  constructor(counter: LimitCounter, limit: Config['authFailureLimit'], registry: Registry) {
    this.#counter = counter;
    this.#limit = limit;
    this.#metric = new Counter({
      name: 'gatehouse_auth_failures_total',
      help: 'Failed authentications by surface; audited="false" once an address passed the audited threshold',
      labelNames: ['surface', 'audited'],
      registers: [registry],
    });
  }

  /** Refuse (429) an address that has used up its failures in this window. */
  async check(request: FastifyRequest): Promise<void> {
    const { current, ttl } = await this.#counter.read(request.ip);
    if (current >= this.#limit.perIp) {
      request.auditSuppressed = true;
      throw tooManyRequests(request, Math.max(1, Math.ceil(ttl / 1000)), 'too many failed authentications from this address');
    }
  }

  /** Count one failure; true when it should still be written to the audit log. */
  async failed(request: FastifyRequest, surface: AuthSurface): Promise<boolean> {
    const { current } = await this.#counter.increment(request.ip, this.#limit.windowMs);
    const audited = current <= this.#limit.audited;
    this.#metric.inc({ surface, audited: String(audited) });
    if (!audited) request.auditSuppressed = true;
    return audited;
  }

  /**
   * Run `authenticate` for a request from an address that may still try; a 401 it throws is
   * counted (and `onFailure` called while failures are still audited).
   */
  async guard<T>(request: FastifyRequest, surface: AuthSurface, authenticate: () => Promise<T>, onFailure?: () => void): Promise<T> {
    await this.check(request);
    try {
      return await authenticate();
    } catch (error) {
      if (error instanceof AppError && error.status === 401 && (await this.failed(request, surface))) onFailure?.();
      throw error;
    }
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when this refusal is one of a flood: counted in metrics, not written to the audit log. (decorated with its initial value in src/http/request-fields.ts) */
    auditSuppressed: boolean;
  }
}
