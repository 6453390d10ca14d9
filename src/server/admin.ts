import Fastify, { type FastifyInstance } from 'fastify';
import { openAiErrors } from '../api/envelopes.js';
import type { Logger } from '../observability/log.js';
import { registerBodyParsers } from './body-parsers.js';
import { errorHandler, notFoundHandler } from './surface.js';

export interface AdminServerOptions {
  /** Errors on this listener are logged here. */
  readonly logger: Logger;
  /** Nesting limit of JSON bodies (`server.max_json_depth`). */
  readonly maxJsonDepth: number;
}

/**
 * The admin listener (loopback by default): 1 MiB bodies, the guarded JSON parser, and the
 * answer for paths no surface claims. Health and the admin API are surfaces mounted on it.
 */
export function buildAdminServer(options: AdminServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  registerBodyParsers(app, { kind: 'json' }, options.maxJsonDepth);
  app.setNotFoundHandler(notFoundHandler(openAiErrors, options.logger));
  app.setErrorHandler(errorHandler(openAiErrors, options.logger));
  return app;
}
