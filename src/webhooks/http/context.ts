// What a surface tells the shared webhook endpoints: where they are mounted, which organization
// a request acts for, and who to name in the audit log.
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';

export interface WebhookSurface {
  services: Services;
  /** Path before `/webhooks`, e.g. '' (MSP API) or '/organizations/:organization_id' (admin API). */
  base: string;
  /** Schemas of the path parameters in `base`. */
  baseParams: Record<string, unknown>;
  tags: string[];
  organizationOf(request: FastifyRequest): string;
  actor(request: FastifyRequest): string;
}

/** Audit one change made through a webhook endpoint. */
export function audited(surface: WebhookSurface, request: FastifyRequest, action: string, details: Record<string, unknown>): void {
  surface.services.audit.record({
    action,
    outcome: 'success',
    actor: surface.actor(request),
    clientId: request.mspCaller?.clientId ?? null,
    ip: request.ip,
    details: { organization_id: surface.organizationOf(request), ...details },
  });
}
