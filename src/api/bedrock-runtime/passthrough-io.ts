import type { FastifyReply, FastifyRequest } from 'fastify';
import { relay } from '../../core/relay.js';
import type { ResolvedTarget } from '../../core/router.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import type { HttpCall } from '../../providers/types.js';
import { readBody } from '../../transport/http-client.js';
import { checkJsonValue } from '../json-body.js';

/** The passthrough body read as a JSON object, with the guards every parsed body gets. */
export function jsonOf(body: unknown, maxDepth: number): Record<string, any> {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : '');
  } catch {
    // Falls through to the 400.
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalidRequest('the request body must be a JSON object');
  checkJsonValue(doc, maxDepth);
  return doc as Record<string, any>;
}

/** Aborts the upstream call and settles the request when the caller hangs up before the answer. */
export function abortOnClose(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const abort = new AbortController();
  reply.raw.once('close', () => {
    if (reply.raw.writableFinished) return;
    abort.abort();
    request.server.settleAbandoned(request, reply);
  });
  return abort.signal;
}

/** A small JSON answer read whole, so Rankway can check what it names before sending it back. */
export async function readJson(
  target: ResolvedTarget,
  call: HttpCall,
  request: FastifyRequest,
  signal: AbortSignal,
): Promise<{ status: number; doc: Record<string, any>; requestId?: string }> {
  const opened = await relay(target, call, request.ctx, signal);
  const body = await readBody(opened.body);
  return {
    status: opened.status,
    doc: body.length ? JSON.parse(body.toString('utf8')) : {},
    requestId: opened.headers['x-amzn-requestid'] as string | undefined,
  };
}
