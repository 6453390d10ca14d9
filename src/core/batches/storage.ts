import type { BatchCapability, UpstreamReply } from '../../providers/types.js';
import type { RequestContext } from '../context.js';
import type { ResolvedTarget } from '../router.js';
import { callUpstream } from '../unary-call.js';

/** S3 allows parts of 5 MiB and up (but the last); Rankway sends 8 MiB parts. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

/**
 * A provider's object storage through the normal upstream path (its credentials, retries,
 * timeouts and concurrency slot): one PutObject for small bodies, a multipart upload for large.
 */
export class ObjectStorage {
  constructor(
    private readonly target: ResolvedTarget,
    private readonly capability: BatchCapability,
    private readonly ctx: RequestContext,
    private readonly partSize = DEFAULT_PART_SIZE,
  ) {}

  private call<T>(call: Parameters<typeof callUpstream>[1], parse: (r: UpstreamReply) => T): Promise<T> {
    return callUpstream(this.target, call, this.ctx, parse);
  }

  async put(ref: ObjectRef, body: Buffer, contentType = 'application/jsonl'): Promise<void> {
    const s = this.capability.storage;
    if (body.length <= this.partSize) {
      await this.call(s.put(ref, body, contentType), () => undefined);
      return;
    }
    const uploadId = await this.call(s.createMultipart(ref, contentType), s.parseUploadId);
    try {
      const etags: string[] = [];
      for (let offset = 0, part = 1; offset < body.length; offset += this.partSize, part++) {
        etags.push(await this.call(s.uploadPart(ref, uploadId, part, body.subarray(offset, offset + this.partSize)), s.parseETag));
      }
      await this.call(s.completeMultipart(ref, uploadId, etags), () => undefined);
    } catch (err) {
      // Parts of an unfinished upload are billed until aborted.
      await this.call(s.abortMultipart(ref, uploadId), () => undefined).catch(() => undefined);
      throw err;
    }
  }

  get(ref: ObjectRef): Promise<Buffer> {
    return this.call(this.capability.storage.get(ref), (r) => r.body);
  }

  async delete(ref: ObjectRef): Promise<void> {
    await this.call(this.capability.storage.delete(ref), () => undefined);
  }

  async list(bucket: string, prefix: string): Promise<string[]> {
    const s = this.capability.storage;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(s.list(bucket, prefix, token), s.parseList);
      keys.push(...page.keys);
      token = page.next;
    } while (token);
    return keys;
  }
}
