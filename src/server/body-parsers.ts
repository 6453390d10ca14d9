import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BodyPolicy } from '../api/surface.js';
import { parseJsonBody, RawJsonBody } from '../api/json-body.js';
import { invalidRequest } from '../errors/gateway-error.js';

/**
 * The body parsers of one surface scope, from its declared policy: exactly the content types
 * the policy names, so nothing else reaches a handler (a 415 instead).
 * JSON goes through `parseJsonBody` everywhere: one `JSON.parse` and one walk over the parsed
 * values (depth and prototype-poisoning keys), instead of Fastify's default, which also scans
 * the text with escape-aware regular expressions (as costly as the parse on a large body).
 */
export function registerBodyParsers(app: FastifyInstance, policy: BodyPolicy, maxDepth: number): void {
  app.removeAllContentTypeParsers();
  if (policy.kind === 'raw') {
    // Passthrough: forwarded byte for byte, whatever the content type; kept for SigV4.
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
      request.rawBody = body;
      done(null, body);
    });
    return;
  }
  if (policy.keepRaw || policy.anyType) {
    const keepRaw = policy.keepRaw === true;
    app.addContentTypeParser(
      policy.anyType ? '*' : 'application/json',
      { parseAs: 'buffer' },
      (request: FastifyRequest, body: Buffer, done) => {
        if (keepRaw) request.rawBody = body;
        try {
          done(null, parseJsonBody(body.toString('utf8'), maxDepth));
        } catch (err) {
          done(err as Error, undefined);
        }
      },
    );
  } else {
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      // Routes that read their body themselves (rerank keeps documents as raw JSON bytes) get it
      // unparsed, with the general parse and its guards to fall back on.
      if (request.routeOptions.config?.rawJsonBody === true) return done(null, new RawJsonBody(body as Buffer, maxDepth));
      try {
        done(null, parseJsonBody((body as Buffer).toString('utf8'), maxDepth));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
  }
  if (policy.multipart) addMultipartParser(app);
}

/**
 * multipart/form-data bodies as a web FormData, read by the platform's own parser (undici),
 * so no extra dependency.
 */
function addMultipartParser(app: FastifyInstance): void {
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    new Response(body as unknown as ArrayBuffer, { headers: { 'content-type': String(request.headers['content-type']) } }).formData().then(
      (form) => done(null, form),
      () => done(invalidRequest('the multipart/form-data body could not be read'), undefined),
    );
  });
}
