import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidRequest } from '../../errors/gateway-error.js';

/**
 * multipart/form-data bodies as a web FormData, read by the platform's own parser (undici),
 * so no extra dependency. Registered inside the plugins that take uploads only.
 */
export function addMultipartParser(app: FastifyInstance): void {
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    new Response(body as unknown as ArrayBuffer, { headers: { 'content-type': String(request.headers['content-type']) } }).formData().then(
      (form) => done(null, form),
      () => done(invalidRequest('the multipart/form-data body could not be read'), undefined),
    );
  });
}

/** Multipart form values are strings: numbers and booleans are read back as such. */
export function formValue(value: string): unknown {
  if (/^-?\d+(?:\.\d+)?$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}
