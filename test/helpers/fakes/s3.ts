import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { hasSigV4, verifySigV4, type SigV4Secret } from '../../../src/auth/inbound/sigv4-verify.js';
import { startFake, type FakeServer } from '../fake-server.js';

export interface FakeS3 extends FakeServer {
  /** Objects by `bucket/key`. */
  readonly objects: Map<string, Buffer>;
  readonly rejected: string[];
  /** Completed multipart uploads: `bucket/key` -> part sizes. */
  readonly multipart: Map<string, number[]>;
}

/** S3 refuses parts under 5 MiB, except the last. */
const MIN_PART = 5 * 1024 * 1024;
const xml = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/xml', ...headers });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
};
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Path-style S3 on 127.0.0.1 that checks SigV4 (signing name `s3`, the wire path as the
 * canonical path) and the payload hash: GetObject, PutObject, DeleteObject, ListObjectsV2
 * and multipart uploads (CreateMultipartUpload, UploadPart, CompleteMultipartUpload, Abort).
 */
export async function startFakeS3(options: { credentials: readonly SigV4Secret[]; region: string }): Promise<FakeS3> {
  const objects = new Map<string, Buffer>();
  const rejected: string[] = [];
  const multipart = new Map<string, number[]>();
  const uploads = new Map<string, { key: string; parts: Map<number, { etag: string; body: Buffer }> }>();
  const fake = await startFake(async (req, res) => {
    const deny = (code: string, status = 403): void => {
      rejected.push(code);
      xml(res, status, `<Error><Code>${code}</Code><Message>${code}</Message></Error>`);
    };
    if (!hasSigV4(req.headers)) return deny('AccessDenied');
    const declared = req.headers['x-amz-content-sha256'];
    if (typeof declared !== 'string') return deny('InvalidRequest', 400);
    if (declared !== createHash('sha256').update(req.raw).digest('hex')) return deny('XAmzContentSHA256Mismatch', 400);
    const verified = await verifySigV4(
      { method: req.method, path: req.path, headers: req.headers, body: req.raw },
      { keys: { find: (id) => options.credentials.find((c) => c.accessKeyId === id) }, service: 's3' },
    );
    if (!verified.ok || verified.region !== options.region) return deny('SignatureDoesNotMatch');
    const url = new URL(req.path, 'http://s3');
    const q = url.searchParams;
    const path = decodeURIComponent(url.pathname.slice(1));
    const slash = path.indexOf('/');
    const bucket = slash < 0 ? path : path.slice(0, slash);
    const key = path; // `bucket/key`

    if (req.method === 'GET' && slash < 0 && q.get('list-type') === '2') {
      const prefix = `${bucket}/${q.get('prefix') ?? ''}`;
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      // Two keys a page, so callers must follow continuation tokens.
      const start = Number(q.get('continuation-token') ?? 0);
      const pageKeys = keys.slice(start, start + 2);
      const more = start + 2 < keys.length;
      const contents = pageKeys
        .map((k) => `<Contents><Key>${esc(k.slice(bucket.length + 1))}</Key><Size>${objects.get(k)!.length}</Size></Contents>`)
        .join('');
      return xml(
        res,
        200,
        `<ListBucketResult><Name>${bucket}</Name><KeyCount>${pageKeys.length}</KeyCount><IsTruncated>${more}</IsTruncated>${more ? `<NextContinuationToken>${start + 2}</NextContinuationToken>` : ''}${contents}</ListBucketResult>`,
      );
    }
    if (req.method === 'POST' && q.has('uploads')) {
      const uploadId = randomBytes(12).toString('base64url');
      uploads.set(uploadId, { key, parts: new Map() });
      return xml(
        res,
        200,
        `<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
      );
    }
    if (req.method === 'PUT' && q.has('uploadId')) {
      const upload = uploads.get(q.get('uploadId')!);
      if (!upload || upload.key !== key) return deny('NoSuchUpload', 404);
      const etag = `"${createHash('md5').update(req.raw).digest('hex')}"`;
      upload.parts.set(Number(q.get('partNumber')), { etag, body: req.raw });
      res.writeHead(200, { etag });
      res.end();
      return;
    }
    if (req.method === 'POST' && q.has('uploadId')) {
      const upload = uploads.get(q.get('uploadId')!);
      if (!upload || upload.key !== key) return deny('NoSuchUpload', 404);
      const listed = [...req.raw.toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber><ETag>([^<]*)<\/ETag>/g)];
      const bodies: Buffer[] = [];
      for (const [i, m] of listed.entries()) {
        const part = upload.parts.get(Number(m[1]));
        if (!part || part.etag !== m[2].replace(/&quot;/g, '"') || Number(m[1]) !== i + 1) return deny('InvalidPart', 400);
        if (i < listed.length - 1 && part.body.length < MIN_PART) return deny('EntityTooSmall', 400);
        bodies.push(part.body);
      }
      objects.set(key, Buffer.concat(bodies));
      multipart.set(
        key,
        bodies.map((b) => b.length),
      );
      uploads.delete(q.get('uploadId')!);
      return xml(res, 200, `<CompleteMultipartUploadResult><Key>${esc(key)}</Key></CompleteMultipartUploadResult>`);
    }
    if (req.method === 'DELETE' && q.has('uploadId')) {
      uploads.delete(q.get('uploadId')!);
      res.writeHead(204);
      res.end();
      return;
    }
    if (req.method === 'PUT') {
      objects.set(key, req.raw);
      res.writeHead(200, { etag: `"${createHash('md5').update(req.raw).digest('hex')}"` });
      res.end();
      return;
    }
    if (req.method === 'DELETE') {
      objects.delete(key);
      res.writeHead(204);
      res.end();
      return;
    }
    if (req.method !== 'GET') return deny('MethodNotAllowed', 405);
    const object = objects.get(key);
    if (!object) return deny('NoSuchKey', 404);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': object.length, etag: '"fake"' });
    res.end(object);
  });
  return Object.assign(fake, { objects, rejected, multipart });
}
