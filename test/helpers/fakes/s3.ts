import { hasSigV4, verifySigV4, type SigV4Secret } from '../../../src/auth/inbound/sigv4-verify.js';
import { startFake, type FakeServer } from '../fake-server.js';

export interface FakeS3 extends FakeServer {
  /** Objects by `bucket/key`. */
  readonly objects: Map<string, Buffer>;
  readonly rejected: string[];
}

/** A path-style S3 GetObject on 127.0.0.1 that checks SigV4 (signing name `s3`, the wire path as the canonical path). */
export async function startFakeS3(options: { credentials: readonly SigV4Secret[]; region: string }): Promise<FakeS3> {
  const objects = new Map<string, Buffer>();
  const rejected: string[] = [];
  const fake = await startFake(async (req, res) => {
    const deny = (code: string, status = 403): void => {
      rejected.push(code);
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
    };
    if (!hasSigV4(req.headers)) return deny('AccessDenied');
    if (typeof req.headers['x-amz-content-sha256'] !== 'string') return deny('InvalidRequest', 400);
    const verified = await verifySigV4(
      { method: req.method, path: req.path, headers: req.headers, body: req.raw },
      { keys: { find: (id) => options.credentials.find((c) => c.accessKeyId === id) }, service: 's3' },
    );
    if (!verified.ok || verified.region !== options.region) return deny('SignatureDoesNotMatch');
    if (req.method !== 'GET') return deny('MethodNotAllowed', 405);
    const key = decodeURIComponent(req.path.split('?')[0].slice(1));
    const object = objects.get(key);
    if (!object) return deny('NoSuchKey', 404);
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': object.length, etag: '"fake"' });
    res.end(object);
  });
  return Object.assign(fake, { objects, rejected });
}
