import type { BatchJob, BatchJobStatus } from '../../canonical/batch.js';
import { badResponse } from '../shared/errors.js';
import { parseJsonBody } from '../shared/json.js';
import type { HttpCall, UpstreamReply } from '../types.js';

/**
 * Bedrock control-plane model invocation jobs (endpoint `control`,
 * `bedrock.{region}.amazonaws.com`, signing name `bedrock`), as the AWS SDK's serializer
 * sends them (docs/bedrock-protocols.md §4.1).
 */

export interface CreateJobInput {
  readonly jobName: string;
  readonly roleArn: string;
  readonly modelId: string;
  readonly inputUri: string;
  readonly outputUri: string;
  readonly clientRequestToken: string;
  readonly timeoutDurationInHours?: number;
}

export const createJob = (input: CreateJobInput): HttpCall => ({
  method: 'POST',
  endpoint: 'control',
  path: '/model-invocation-job',
  body: {
    jobName: input.jobName,
    roleArn: input.roleArn,
    modelId: input.modelId,
    clientRequestToken: input.clientRequestToken,
    inputDataConfig: { s3InputDataConfig: { s3Uri: input.inputUri, s3InputFormat: 'JSONL' } },
    outputDataConfig: { s3OutputDataConfig: { s3Uri: input.outputUri } },
    ...(input.timeoutDurationInHours === undefined ? {} : { timeoutDurationInHours: input.timeoutDurationInHours }),
  },
});

export function parseCreateJob(reply: UpstreamReply): string {
  const doc = parseJsonBody(reply.body, 'bedrock') as { jobArn?: unknown };
  if (typeof doc?.jobArn !== 'string') throw badResponse('CreateModelInvocationJob answer without jobArn');
  return doc.jobArn;
}

/** `{jobIdentifier}` is one path label: the ARN's `:` and `/` are percent-encoded. */
export const jobPath = (jobArn: string): string => `/model-invocation-job/${encodeURIComponent(jobArn)}`;

export const getJob = (jobArn: string): HttpCall => ({ method: 'GET', endpoint: 'control', path: jobPath(jobArn) });
export const stopJob = (jobArn: string): HttpCall => ({ method: 'POST', endpoint: 'control', path: `${jobPath(jobArn)}/stop` });

/**
 * Every ModelInvocationJobStatus onto OpenAI's batch statuses. Nothing is lost: the AWS word
 * stays in `upstreamStatus`, so PartiallyCompleted (OpenAI `completed`, with an error file) and
 * Scheduled (OpenAI `in_progress`, not yet running) are told apart.
 */
export const JOB_STATUS: Readonly<Record<string, BatchJobStatus>> = {
  Submitted: 'validating',
  Validating: 'validating',
  Scheduled: 'in_progress',
  InProgress: 'in_progress',
  Completed: 'completed',
  PartiallyCompleted: 'completed',
  Failed: 'failed',
  Stopping: 'cancelling',
  Stopped: 'cancelled',
  Expired: 'expired',
};

export function parseJob(reply: UpstreamReply): BatchJob {
  return jobOf(parseJsonBody(reply.body, 'bedrock') as Record<string, unknown>);
}

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function jobOf(doc: Record<string, any>): BatchJob {
  if (typeof doc?.jobArn !== 'string') throw badResponse('model invocation job without jobArn');
  const status = JOB_STATUS[doc.status];
  if (!status) throw badResponse(`unknown model invocation job status '${String(doc.status)}'`);
  return {
    jobArn: doc.jobArn,
    jobName: text(doc.jobName),
    modelId: text(doc.modelId),
    upstreamStatus: doc.status,
    status,
    message: text(doc.message),
    submitTime: text(doc.submitTime),
    lastModifiedTime: text(doc.lastModifiedTime),
    endTime: text(doc.endTime),
    outputUri: text(doc.outputDataConfig?.s3OutputDataConfig?.s3Uri),
    totalRecordCount: count(doc.totalRecordCount),
    processedRecordCount: count(doc.processedRecordCount),
    successRecordCount: count(doc.successRecordCount),
    errorRecordCount: count(doc.errorRecordCount),
  };
}

/** `manifest.json.out`: record and token counts of a finished job. */
export function parseManifest(body: Buffer): { inputTokens: number; outputTokens: number; records: Record<string, number> } {
  const doc = parseJsonBody(body, 'bedrock') as Record<string, unknown>;
  const n = (k: string): number => count(doc?.[k]) ?? 0;
  return {
    inputTokens: n('inputTokenCount'),
    outputTokens: n('outputTokenCount'),
    records: {
      total: n('totalRecordCount'),
      processed: n('processedRecordCount'),
      success: n('successRecordCount'),
      error: n('errorRecordCount'),
    },
  };
}
