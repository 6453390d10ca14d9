import type { FastifyInstance } from 'fastify';

/**
 * Fastify's JSON parser scans every body with escape-aware regular expressions for
 * `__proto__` and `constructor` keys; on a large rerank body that scan costs as much as
 * the parse. Any body that could hold such a key contains one of these substrings
 * (escaped forms contain `\u`), so only those bodies take the scanning parser; the rest
 * are parsed directly. Behaviour, errors included, is the default parser's.
 */
const SUSPICIOUS = ['__proto__', 'constructor', '\\u'] as const;

export function registerFastJsonParser(app: FastifyInstance): void {
  const secure = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.length === 0 || SUSPICIOUS.some((s) => text.includes(s))) return secure(request, text, done);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      (err as { statusCode?: number }).statusCode = 400;
      return done(err as Error, undefined);
    }
    done(null, value);
  });
}
