// One log line per request, written when the response is sent: method, redacted URL, status,
// duration, request id, the caller's address and, when the request authenticated one, the
// client. It replaces Fastify's two lines (arrival and completion) through its LogController;
// the arrival is still logged at debug level, for following a request that never answers.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { redactUrl } from '../logger.ts';

function line(request: FastifyRequest, reply: FastifyReply) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    status: reply.statusCode,
    ms: Math.round(reply.elapsedTime * 100) / 100,
    remoteAddress: request.ip,
    ...(request.clientId ? { clientId: request.clientId } : {}),
  };
}

export class RequestLog extends LogController {
  /**
   * The completion line's writer: the app's logger without its redaction paths. Every field of
   * that line is built here from values that carry no secret (the URL is redacted above), so
   * walking the redaction paths for each request, a cost on every response, would find nothing.
   * Lines that carry an error still go through the request's own (redacting) logger.
   */
  #completed: Logger;

  constructor(log: Logger) {
    super();
    this.#completed = log.child({}, { redact: [] });
  }

  override incomingRequest(request: FastifyRequest) {
    // Checked first: building the line (and redacting its URL) costs even when debug is off.
    if (!this.#completed.isLevelEnabled('debug')) return;
    request.log.debug({ method: request.method, url: redactUrl(request.url), remoteAddress: request.ip }, 'incoming request');
  }

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply) {
    if (error) reply.log.error({ ...line(request, reply), err: error }, 'request errored');
    // The same line the request's child logger would write: its binding (reqId) comes first.
    else if (this.#completed.isLevelEnabled('info')) this.#completed.info({ reqId: request.id, ...line(request, reply) }, 'request completed');
  }

  /** The completion line names the URL (redacted) and the 404 already. */
  override routeNotFound() {}
}
