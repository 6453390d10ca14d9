import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Serves the console (the Vite build of `ui/`) at `/ui/` on the admin port, with the SPA
 * fallback to index.html. A dozen lines of file serving did not justify a plugin and its
 * dependency tree; the build's asset names are content-hashed, so they are cached for good.
 */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** `dist/ui` of the package, whether running from `src/` (tsx) or `dist/src/` (built). */
export function defaultConsoleDir(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  // Built: dist/src/server → dist/ui. From source (tsx): src/server → dist/ui (never ui/, the sources).
  return basename(root) === 'dist' ? join(root, 'ui') : join(root, 'dist', 'ui');
}

export function registerConsoleStatic(app: FastifyInstance, dir = defaultConsoleDir()): void {
  const root = resolve(dir);
  const send = async (reply: FastifyReply, file: string, immutable: boolean) => {
    const body = await readFile(file);
    reply.header('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
    reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    reply.header('x-content-type-options', 'nosniff');
    // The console talks only to its own origin.
    if (extname(file) === '.html')
      reply.header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
      );
    return reply.send(body);
  };
  // Relative asset URLs need the trailing slash: /ui becomes /ui/.
  app.get('/ui', async (request, reply) => {
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    return reply.redirect(`ui/${query}`, 302);
  });
  app.get('/ui/*', async (request, reply) => {
    const index = join(root, 'index.html');
    if (!existsSync(index)) {
      reply.code(503).header('content-type', 'text/plain; charset=utf-8');
      return 'The console is not built: run `npm run build` (npm start builds it when missing).\n';
    }
    const rest = decodeURIComponent((request.params as { '*': string })['*'] ?? '');
    const file = normalize(join(root, rest));
    // Never outside the build directory.
    if (rest !== '' && (file === root || file.startsWith(root + sep))) {
      const info = await stat(file).catch(() => undefined);
      if (info?.isFile()) return send(reply, file, rest.startsWith('assets/'));
      // A missing asset is a 404, not the app (a stale tab after a deploy).
      if (rest.startsWith('assets/')) {
        reply.code(404).header('content-type', 'text/plain; charset=utf-8');
        return 'Not found\n';
      }
    }
    return send(reply, index, false);
  });
}
