import { randomBytes, randomUUID } from 'node:crypto';
import type { BatchJob, BatchRecordResult } from '../../canonical/batch.js';
import { GatewayError, invalidRequest } from '../../errors/gateway-error.js';
import type { BatchCapability } from '../../providers/types.js';
import type { BatchStore, StoredBatch, StoredFile } from '../../store/batches.js';
import type { RequestContext } from '../context.js';
import { recordTarget, recordUsageAt } from '../outcome.js';
import { gate } from '../policy.js';
import { batchPrice } from '../pricing.js';
import type { ResolvedTarget, Router } from '../router.js';
import { callUpstream } from '../unary-call.js';
import { readBatchInput, type BatchInputLine, type BatchLineParser } from './jsonl.js';
import { ObjectStorage } from './storage.js';

/** The response body of one answered line, rendered by the surface (`{status, body}`). */
export type BatchResultRenderer = (result: BatchRecordResult, line: BatchInputLine) => { status: number; body: unknown };

export interface BatchServiceOptions {
  readonly router: Router;
  readonly store: () => BatchStore;
  readonly parseLine: BatchLineParser;
  readonly render: BatchResultRenderer;
  /** Multipart part size for large objects (tests lower it). */
  readonly partSize?: number;
}

/** A batch with its upstream job as read just now. */
export interface BatchView {
  readonly batch: StoredBatch;
  readonly job: BatchJob;
}

/** Ids that sort by creation time (lists are newest first) and cannot be guessed. */
const newId = (prefix: string): string => `${prefix}${Date.now().toString(36).padStart(9, '0')}${randomBytes(10).toString('hex')}`;
const now = (): number => Math.floor(Date.now() / 1000);
/** Statuses after which the job writes no more output. */
const SETTLED = new Set(['completed', 'cancelled', 'expired', 'failed']);

/**
 * OpenAI files and batches on an upstream batch capability (Bedrock: S3 + model invocation
 * jobs). The job store maps OpenAI ids to objects and job ARNs; files and batches belong to
 * the key that made them, and the batch's model passes the allow-list on every call.
 */
export class BatchService {
  constructor(private readonly options: BatchServiceOptions) {}

  private get store(): BatchStore {
    return this.options.store();
  }

  /** The first provider instance that can hold batch files (one with a batch capability). */
  private fileTarget(): { target: ResolvedTarget; capability: BatchCapability } {
    for (const provider of this.options.router.current.providers.values()) {
      const capability = provider.adapter.capabilities.batch;
      if (capability) {
        const target: ResolvedTarget = { provider, model: '', upstream: { provider: provider.name, model: '' }, label: provider.name };
        return { target, capability };
      }
    }
    throw new GatewayError(
      'capability_not_supported',
      'No provider takes batch files: set batch_s3_uri and batch_role_arn on a Bedrock provider',
    );
  }

  private storageOf(providerName: string, ctx: RequestContext): ObjectStorage {
    const provider = this.options.router.current.providers.get(providerName);
    const capability = provider?.adapter.capabilities.batch;
    if (!provider || !capability) throw new GatewayError('resource_conflict', `provider '${providerName}' no longer takes batch files`);
    const target: ResolvedTarget = { provider, model: '', upstream: { provider: provider.name, model: '' }, label: provider.name };
    recordTarget(ctx, target);
    return new ObjectStorage(target, capability, ctx, this.options.partSize);
  }

  async uploadFile(input: { filename: string; purpose: string; content: Buffer }, ctx: RequestContext): Promise<StoredFile> {
    if (input.purpose !== 'batch') throw invalidRequest(`purpose must be 'batch' (Rankway keeps files for batches only)`, 'purpose');
    const lines = readBatchInput(input.content, this.options.parseLine);
    const { target, capability } = this.fileTarget();
    recordTarget(ctx, target);
    const id = newId('file-');
    const key = `${capability.prefix ? `${capability.prefix}/` : ''}files/${id}.jsonl`;
    await new ObjectStorage(target, capability, ctx, this.options.partSize).put({ bucket: capability.bucket, key }, input.content);
    const file: StoredFile = {
      id,
      keyId: ctx.caller.keyId,
      purpose: 'batch',
      filename: input.filename,
      bytes: input.content.length,
      lines: lines.length,
      provider: target.provider.name,
      bucket: capability.bucket,
      objectKey: key,
      batchId: null,
      role: 'input',
      createdAt: now(),
    };
    await this.store.createFile(file);
    return file;
  }

  /** A file of the caller's; another key's file is answered like one that does not exist. */
  async getFile(id: string, ctx: RequestContext): Promise<StoredFile> {
    const file = await this.store.getFile(id);
    if (!file || file.keyId !== ctx.caller.keyId)
      throw new GatewayError('resource_not_found', `No such File object: ${id}`, { param: 'file_id' });
    return file;
  }

  listFiles(ctx: RequestContext, options: { purpose?: string; limit: number; after?: string }): Promise<StoredFile[]> {
    return this.store.listFiles(ctx.caller.keyId, options);
  }

  async fileContent(id: string, ctx: RequestContext): Promise<Buffer> {
    const file = await this.getFile(id, ctx);
    return this.storageOf(file.provider, ctx).get({ bucket: file.bucket, key: file.objectKey });
  }

  async deleteFile(id: string, ctx: RequestContext): Promise<StoredFile> {
    const file = await this.getFile(id, ctx);
    await this.storageOf(file.provider, ctx).delete({ bucket: file.bucket, key: file.objectKey });
    await this.store.deleteFile(id);
    return file;
  }

  async create(
    input: { inputFileId: string; endpoint: string; completionWindow: string; metadata: Record<string, string> | null },
    ctx: RequestContext,
  ): Promise<BatchView> {
    const file = await this.getFile(input.inputFileId, ctx);
    if (file.role !== 'input') throw invalidRequest('input_file_id must name an uploaded batch file', 'input_file_id');
    const content = await this.storageOf(file.provider, ctx).get({ bucket: file.bucket, key: file.objectKey });
    const lines = readBatchInput(content, this.options.parseLine);
    if (lines[0].url !== input.endpoint)
      throw invalidRequest(`endpoint is ${input.endpoint} but the file's lines call ${lines[0].url}`, 'endpoint');
    const { target, capability } = this.resolve(lines[0].model, ctx);
    const records = lines.map((line, i) => capability.recordLine(i, line.request, target.upstream)).join('\n');
    const id = newId('batch_');
    // Bedrock job names are unique per account and region: the batch id makes them so.
    const jobName = `rankway-${id.slice('batch_'.length)}`;
    const jobPrefix = `${capability.prefix ? `${capability.prefix}/` : ''}jobs/${jobName}`;
    const storage = new ObjectStorage(target, capability, ctx, this.options.partSize);
    const inputRef = { bucket: capability.bucket, key: `${jobPrefix}/input/records.jsonl` };
    await storage.put(inputRef, Buffer.from(`${records}\n`));
    const hours = /^(\d+)h$/.exec(input.completionWindow);
    const jobArn = await callUpstream(
      target,
      capability.createJob({
        jobName,
        modelId: target.model,
        inputUri: capability.uriOf(inputRef),
        outputUri: `${capability.uriOf({ bucket: capability.bucket, key: `${jobPrefix}/output` })}/`,
        clientRequestToken: randomUUID(),
        timeoutDurationInHours: hours ? Math.max(24, Number(hours[1])) : undefined,
      }),
      ctx,
      (reply) => capability.parseCreateJob(reply),
    );
    const batch: StoredBatch = {
      id,
      keyId: ctx.caller.keyId,
      model: lines[0].model,
      provider: target.provider.name,
      upstreamModel: target.model,
      endpoint: input.endpoint,
      inputFileId: file.id,
      jobArn,
      jobName,
      bucket: capability.bucket,
      jobPrefix,
      completionWindow: input.completionWindow,
      metadata: input.metadata,
      requestCount: lines.length,
      createdAt: now(),
      outputFileId: null,
      errorFileId: null,
      usageRecorded: false,
    };
    await this.store.createBatch(batch);
    return { batch, job: { jobArn, jobName, upstreamStatus: 'Submitted', status: 'validating' } };
  }

  async get(id: string, ctx: RequestContext): Promise<BatchView> {
    const batch = await this.own(id, ctx);
    const { target, capability } = this.resolve(batch.model, ctx);
    const job = await callUpstream(target, capability.getJob(batch.jobArn), ctx, (reply) => capability.parseJob(reply));
    if (!SETTLED.has(job.status) || batch.outputFileId) return { batch, job };
    return { batch: await this.finalize(batch, job, target, capability, ctx), job };
  }

  async cancel(id: string, ctx: RequestContext): Promise<BatchView> {
    const batch = await this.own(id, ctx);
    const { target, capability } = this.resolve(batch.model, ctx);
    await callUpstream(target, capability.stopJob(batch.jobArn), ctx, () => undefined);
    return this.get(id, ctx);
  }

  async list(ctx: RequestContext, options: { limit: number; after?: string }): Promise<BatchView[]> {
    const batches = await this.store.listBatches(ctx.caller.keyId, options);
    const out: BatchView[] = [];
    for (const b of batches) {
      try {
        out.push(await this.get(b.id, ctx));
      } catch (err) {
        // A batch whose model the key may no longer use is left out of the list.
        if (!(err instanceof GatewayError) || err.status !== 403) throw err;
      }
    }
    return out;
  }

  private async own(id: string, ctx: RequestContext): Promise<StoredBatch> {
    const batch = await this.store.getBatch(id);
    if (!batch || batch.keyId !== ctx.caller.keyId)
      throw new GatewayError('resource_not_found', `No such Batch object: ${id}`, { param: 'batch_id' });
    return batch;
  }

  private resolve(model: string, ctx: RequestContext): { target: ResolvedTarget; capability: BatchCapability } {
    const route = this.options.router.route(model, 'batch', [], gate(ctx));
    const target = route.targets[0];
    recordTarget(ctx, target);
    return { target, capability: target.provider.adapter.capabilities.batch! };
  }

  /**
   * Once a job has settled: its output records become an OpenAI output file (one line per
   * answered `custom_id`) and an error file (failed records, and requests with no record at
   * all), both written next to the job's output; the manifest's tokens become one usage
   * record at the batch price. Idempotent across instances: the store lets one claim each.
   */
  private async finalize(
    batch: StoredBatch,
    job: BatchJob,
    target: ResolvedTarget,
    capability: BatchCapability,
    ctx: RequestContext,
  ): Promise<StoredBatch> {
    const storage = new ObjectStorage(target, capability, ctx, this.options.partSize);
    const keys = await storage.list(batch.bucket, `${batch.jobPrefix}/output/`);
    const inputFile = await this.store.getFile(batch.inputFileId);
    const lines = inputFile
      ? readBatchInput(await storage.get({ bucket: inputFile.bucket, key: inputFile.objectKey }), this.options.parseLine)
      : [];
    const answered = new Map<number, BatchRecordResult>();
    for (const key of keys.filter(capability.isRecordsOutput)) {
      const text = (await storage.get({ bucket: batch.bucket, key })).toString('utf8');
      for (const row of text.split('\n')) {
        if (row.trim() === '') continue;
        let doc: Record<string, unknown>;
        try {
          doc = JSON.parse(row);
        } catch {
          continue;
        }
        const read = capability.readOutput(doc, target.upstream, (i) => lines[i]?.request);
        if (read.index !== undefined && read.index < lines.length) answered.set(read.index, read.result);
      }
    }
    const output: string[] = [];
    const errors: string[] = [];
    lines.forEach((line, i) => {
      const result = answered.get(i);
      const id = `batch_req_${batch.id.slice('batch_'.length)}_${i}`;
      if (!result) {
        errors.push(
          JSON.stringify({
            id,
            custom_id: line.customId,
            response: null,
            error: { code: 'record_missing', message: `the upstream job (${job.upstreamStatus}) returned no output for this request` },
          }),
        );
        return;
      }
      const { status, body } = this.options.render(result, line);
      const entry = JSON.stringify({ id, custom_id: line.customId, response: { status_code: status, request_id: id, body }, error: null });
      (status < 300 ? output : errors).push(entry);
    });
    const outputFileId = `file-${batch.id.slice('batch_'.length)}-output`;
    const errorFileId = `file-${batch.id.slice('batch_'.length)}-errors`;
    const write = async (fileId: string, role: 'output' | 'error', entries: string[]): Promise<void> => {
      const body = Buffer.from(entries.length ? `${entries.join('\n')}\n` : '');
      const key = `${batch.jobPrefix}/openai/${role}.jsonl`;
      await storage.put({ bucket: batch.bucket, key }, body);
      await this.store.createFile({
        id: fileId,
        keyId: batch.keyId,
        purpose: 'batch_output',
        filename: `${batch.id}_${role}.jsonl`,
        bytes: body.length,
        lines: entries.length,
        provider: batch.provider,
        bucket: batch.bucket,
        objectKey: key,
        batchId: batch.id,
        role,
        createdAt: now(),
      });
    };
    if (await this.store.setResultFiles(batch.id, outputFileId, errorFileId)) {
      await write(outputFileId, 'output', output);
      await write(errorFileId, 'error', errors);
    }
    const manifestKey = keys.find(capability.isManifest);
    if (manifestKey && (await this.store.claimUsage(batch.id))) {
      const manifest = capability.parseManifest(await storage.get({ bucket: batch.bucket, key: manifestKey }));
      const price = batchPrice(target.model, target.price);
      recordUsageAt(
        ctx,
        target,
        { inputTokens: manifest.inputTokens, outputTokens: manifest.outputTokens, searchUnits: 0, queries: 0 },
        price,
      );
    }
    return { ...batch, outputFileId, errorFileId, usageRecorded: true };
  }
}
