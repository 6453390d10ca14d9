import { createHash } from 'node:crypto';
import { badResponse } from '../shared/errors.js';
import type { HttpCall, UpstreamReply } from '../types.js';

/**
 * S3 requests as plain data (path-style, endpoint `s3`, signed for `s3` by the provider's
 * `endpointAuth`): PutObject, the three multipart-upload calls, GetObject, DeleteObject and
 * ListObjectsV2 (docs/bedrock-protocols.md §4). The payload hash is always sent: S3 refuses a
 * signed request without `x-amz-content-sha256`.
 */

const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

export interface S3Location {
  readonly bucket: string;
  /** Key or prefix, without a leading slash. */
  readonly key: string;
}

export function parseS3Uri(uri: string): S3Location | undefined {
  const m = S3_URI.exec(uri);
  return m ? { bucket: m[1], key: (m[2] ?? '').replace(/^\/+/, '') } : undefined;
}

export const s3Uri = (loc: S3Location): string => `s3://${loc.bucket}/${loc.key}`;

/** `prefix` + `name`, with exactly one slash between them. */
export const joinKey = (prefix: string, name: string): string => (prefix === '' ? name : `${prefix.replace(/\/+$/, '')}/${name}`);

const sha256 = (body: Buffer): string => createHash('sha256').update(body).digest('hex');
const EMPTY = sha256(Buffer.alloc(0));
const objectPath = (loc: S3Location): string => `/${loc.bucket}/${loc.key.split('/').map(encodeKeyPart).join('/')}`;
// S3 keys are encoded as RFC 3986 unreserved-or-escaped, like the AWS SDKs do.
const encodeKeyPart = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function putObject(loc: S3Location, body: Buffer, contentType = 'application/octet-stream'): HttpCall {
  return {
    method: 'PUT',
    endpoint: 's3',
    path: objectPath(loc),
    headers: { 'content-type': contentType, 'x-amz-content-sha256': sha256(body) },
    body,
  };
}

export const getObject = (loc: S3Location): HttpCall => ({
  method: 'GET',
  endpoint: 's3',
  path: objectPath(loc),
  headers: { 'x-amz-content-sha256': EMPTY, accept: '*/*' },
});

export const deleteObject = (loc: S3Location): HttpCall => ({
  method: 'DELETE',
  endpoint: 's3',
  path: objectPath(loc),
  headers: { 'x-amz-content-sha256': EMPTY },
});

export const createMultipartUpload = (loc: S3Location, contentType = 'application/octet-stream'): HttpCall => ({
  method: 'POST',
  endpoint: 's3',
  path: `${objectPath(loc)}?uploads=`,
  headers: { 'content-type': contentType, 'x-amz-content-sha256': EMPTY, accept: 'application/xml' },
});

export const uploadPart = (loc: S3Location, uploadId: string, partNumber: number, body: Buffer): HttpCall => ({
  method: 'PUT',
  endpoint: 's3',
  path: `${objectPath(loc)}?partNumber=${partNumber}&uploadId=${encodeURIComponent(uploadId)}`,
  headers: { 'content-type': 'application/octet-stream', 'x-amz-content-sha256': sha256(body) },
  body,
});

export function completeMultipartUpload(loc: S3Location, uploadId: string, etags: readonly string[]): HttpCall {
  const parts = etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${xmlEscape(etag)}</ETag></Part>`).join('');
  const body = Buffer.from(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts}</CompleteMultipartUpload>`);
  return {
    method: 'POST',
    endpoint: 's3',
    path: `${objectPath(loc)}?uploadId=${encodeURIComponent(uploadId)}`,
    headers: { 'content-type': 'application/xml', 'x-amz-content-sha256': sha256(body), accept: 'application/xml' },
    body,
  };
}

export const abortMultipartUpload = (loc: S3Location, uploadId: string): HttpCall => ({
  method: 'DELETE',
  endpoint: 's3',
  path: `${objectPath(loc)}?uploadId=${encodeURIComponent(uploadId)}`,
  headers: { 'x-amz-content-sha256': EMPTY },
});

export function listObjects(bucket: string, prefix: string, continuationToken?: string): HttpCall {
  const query = new URLSearchParams({ 'list-type': '2', prefix });
  if (continuationToken) query.set('continuation-token', continuationToken);
  return {
    method: 'GET',
    endpoint: 's3',
    path: `/${bucket}?${query.toString().replace(/\+/g, '%20')}`,
    headers: { 'x-amz-content-sha256': EMPTY, accept: 'application/xml' },
  };
}

const tag = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

export function parseUploadId(reply: UpstreamReply): string {
  const id = tag(reply.body.toString('utf8'), 'UploadId');
  if (!id) throw badResponse('s3: CreateMultipartUpload answer without UploadId');
  return xmlUnescape(id);
}

export function parseETag(reply: UpstreamReply): string {
  const etag = reply.headers.etag;
  if (typeof etag !== 'string' || etag === '') throw badResponse('s3: UploadPart answer without ETag');
  return etag;
}

/** Keys of one ListObjectsV2 page, and the token of the next page when the list is truncated. */
export function parseListObjects(reply: UpstreamReply): { keys: string[]; next?: string } {
  const xml = reply.body.toString('utf8');
  const keys = [...xml.matchAll(/<Contents>[\s\S]*?<Key>([^<]*)<\/Key>[\s\S]*?<\/Contents>/g)].map((m) => xmlUnescape(m[1]));
  const truncated = tag(xml, 'IsTruncated') === 'true';
  const next = tag(xml, 'NextContinuationToken');
  return { keys, next: truncated && next ? xmlUnescape(next) : undefined };
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const xmlUnescape = (s: string): string =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#34;/g, '"')
    .replace(/&amp;/g, '&');
