import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson } from '../fake-server.js';
import { awsError, type BedrockRoute } from './bedrock.js';
import type { FakeS3 } from './s3.js';

type Status =
  | 'Submitted'
  | 'Validating'
  | 'Scheduled'
  | 'InProgress'
  | 'Completed'
  | 'PartiallyCompleted'
  | 'Failed'
  | 'Stopping'
  | 'Stopped'
  | 'Expired';

export interface FakeJob {
  jobArn: string;
  jobName: string;
  modelId: string;
  roleArn: string;
  clientRequestToken?: string;
  status: Status;
  message?: string;
  submitTime: string;
  lastModifiedTime: string;
  endTime?: string;
  inputDataConfig: { s3InputDataConfig: { s3Uri: string; s3InputFormat?: string } };
  outputDataConfig: { s3OutputDataConfig: { s3Uri: string } };
  totalRecordCount?: number;
  processedRecordCount?: number;
  successRecordCount?: number;
  errorRecordCount?: number;
  polls: number;
  stopReads: number;
}

export interface FakeBatchJobs {
  readonly routes: BedrockRoute[];
  readonly jobs: Map<string, FakeJob>;
}

const JOB_NAME = /^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9+\-.]){0,63}$/;
const RECORD_ID = /^[a-zA-Z0-9]{11}$/;
const invalid = (res: ServerResponse, m: string) => awsError(res, 400, 'ValidationException', m);
const s3Key = (uri: string): string => uri.replace(/^s3:\/\//, '');

/** What a model answers to one record, in the family's own InvokeModel response body. */
function modelOutput(modelId: string, input: any): unknown {
  if (modelId.includes('anthropic.')) {
    const text = `echo: ${input.messages?.at(-1)?.content?.[0]?.text ?? ''}`;
    return {
      id: `msg_${randomBytes(6).toString('hex')}`,
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 10, output_tokens: 5 },
    };
  }
  if (modelId.includes('amazon.nova')) {
    const text = `echo: ${input.messages?.at(-1)?.content?.[0]?.text ?? ''}`;
    return {
      output: { message: { role: 'assistant', content: [{ text }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    };
  }
  return { embedding: [0.1, 0.2, 0.3], inputTextTokenCount: 4 };
}

/**
 * The Bedrock control plane's model invocation jobs (Create/Get/Stop/List) for the fake
 * Bedrock endpoint. A job is Submitted, then InProgress, then settles after `pollsToFinish`
 * reads: it reads its input records from the fake S3 and writes `<input name>.out` and
 * `manifest.json.out` under `<output s3Uri>/<job id>/`. A record whose text holds FAIL-ME gets
 * an error record, DROP-ME gets no record (both make the job PartiallyCompleted); JOB-FAIL
 * fails the whole job. Stop makes it Stopping, then Stopped.
 */
export function bedrockBatchJobs(options: { region: string; account: string; s3: FakeS3; pollsToFinish: number }): FakeBatchJobs {
  const jobs = new Map<string, FakeJob>();
  const touch = (job: FakeJob, status: Status): void => {
    job.status = status;
    job.lastModifiedTime = new Date().toISOString();
  };
  const settle = (job: FakeJob): void => {
    const input = options.s3.objects.get(s3Key(job.inputDataConfig.s3InputDataConfig.s3Uri));
    job.endTime = new Date().toISOString();
    if (!input) {
      touch(job, 'Failed');
      job.message = 'Input file not found';
      return;
    }
    const text = input.toString('utf8');
    if (text.includes('JOB-FAIL')) {
      touch(job, 'Failed');
      job.message = 'The job failed: internal error';
      return;
    }
    const out: string[] = [];
    let ok = 0;
    let failed = 0;
    let total = 0;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      total++;
      const record = JSON.parse(line);
      if (!RECORD_ID.test(record.recordId) || typeof record.modelInput !== 'object') throw new Error(`bad record ${line}`);
      const raw = JSON.stringify(record.modelInput);
      if (raw.includes('DROP-ME')) continue;
      if (raw.includes('FAIL-ME')) {
        failed++;
        out.push(
          JSON.stringify({
            recordId: record.recordId,
            modelInput: record.modelInput,
            error: { errorCode: 400, errorMessage: 'Malformed input request' },
          }),
        );
        continue;
      }
      ok++;
      out.push(
        JSON.stringify({
          recordId: record.recordId,
          modelInput: record.modelInput,
          modelOutput: modelOutput(job.modelId, record.modelInput),
        }),
      );
    }
    const jobId = job.jobArn.slice(job.jobArn.lastIndexOf('/') + 1);
    const base = `${s3Key(job.outputDataConfig.s3OutputDataConfig.s3Uri).replace(/\/$/, '')}/${jobId}`;
    const inputName = job.inputDataConfig.s3InputDataConfig.s3Uri.slice(job.inputDataConfig.s3InputDataConfig.s3Uri.lastIndexOf('/') + 1);
    options.s3.objects.set(`${base}/${inputName}.out`, Buffer.from(`${out.join('\n')}\n`));
    options.s3.objects.set(
      `${base}/manifest.json.out`,
      Buffer.from(
        JSON.stringify({
          totalRecordCount: total,
          processedRecordCount: ok + failed,
          successRecordCount: ok,
          errorRecordCount: failed,
          inputTokenCount: ok * 10,
          outputTokenCount: ok * 5,
        }),
      ),
    );
    Object.assign(job, { totalRecordCount: total, processedRecordCount: ok + failed, successRecordCount: ok, errorRecordCount: failed });
    touch(job, ok === total ? 'Completed' : 'PartiallyCompleted');
  };
  const advance = (job: FakeJob): void => {
    job.polls++;
    // Stopping is seen once (the read right after the stop), then the job is Stopped.
    if (job.status === 'Stopping') {
      if (job.stopReads++ > 0) touch(job, 'Stopped');
      return;
    }
    if (job.status === 'Submitted') {
      touch(job, 'InProgress');
      return;
    }
    if (job.status === 'InProgress' && job.polls > options.pollsToFinish) settle(job);
  };
  const view = ({ polls: _p, stopReads: _s, ...job }: FakeJob) => job;
  const routes: BedrockRoute[] = [
    {
      method: 'POST',
      pattern: /^\/model-invocation-job$/,
      handle(req, res) {
        const b = req.json;
        if (typeof b?.jobName !== 'string' || !JOB_NAME.test(b.jobName)) return invalid(res, 'jobName is missing or invalid');
        if (typeof b.roleArn !== 'string' || !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(b.roleArn))
          return invalid(res, 'roleArn is invalid');
        if (typeof b.modelId !== 'string' || b.modelId === '') return invalid(res, 'modelId is required');
        const input = b.inputDataConfig?.s3InputDataConfig;
        const output = b.outputDataConfig?.s3OutputDataConfig;
        if (typeof input?.s3Uri !== 'string' || !input.s3Uri.startsWith('s3://'))
          return invalid(res, 'inputDataConfig.s3InputDataConfig.s3Uri is required');
        if (input.s3InputFormat !== undefined && input.s3InputFormat !== 'JSONL') return invalid(res, 's3InputFormat must be JSONL');
        if (typeof output?.s3Uri !== 'string' || !output.s3Uri.startsWith('s3://'))
          return invalid(res, 'outputDataConfig.s3OutputDataConfig.s3Uri is required');
        if ([...jobs.values()].some((j) => j.jobName === b.jobName))
          return awsError(res, 409, 'ConflictException', `A job named ${b.jobName} already exists`);
        const jobArn = `arn:aws:bedrock:${options.region}:${options.account}:model-invocation-job/${randomBytes(6).toString('hex')}`;
        const now = new Date().toISOString();
        jobs.set(jobArn, {
          jobArn,
          jobName: b.jobName,
          modelId: b.modelId,
          roleArn: b.roleArn,
          clientRequestToken: b.clientRequestToken,
          status: 'Submitted',
          submitTime: now,
          lastModifiedTime: now,
          inputDataConfig: { s3InputDataConfig: { s3Uri: input.s3Uri, s3InputFormat: 'JSONL' } },
          outputDataConfig: { s3OutputDataConfig: { s3Uri: output.s3Uri } },
          polls: 0,
          stopReads: 0,
        });
        sendJson(res, 200, { jobArn });
      },
    },
    {
      method: 'GET',
      pattern: /^\/model-invocation-job\/([^/]+)$/,
      handle(_req, res, m) {
        const id = decodeURIComponent(m[1]);
        const job = jobs.get(id) ?? [...jobs.values()].find((j) => j.jobName === id);
        if (!job) return awsError(res, 404, 'ResourceNotFoundException', 'The specified job does not exist');
        advance(job);
        sendJson(res, 200, view(job));
      },
    },
    {
      method: 'POST',
      pattern: /^\/model-invocation-job\/([^/]+)\/stop$/,
      handle(_req, res, m) {
        const id = decodeURIComponent(m[1]);
        const job = jobs.get(id) ?? [...jobs.values()].find((j) => j.jobName === id);
        if (!job) return awsError(res, 404, 'ResourceNotFoundException', 'The specified job does not exist');
        if (!['Submitted', 'Validating', 'Scheduled', 'InProgress'].includes(job.status))
          return awsError(res, 400, 'ValidationException', `The job is ${job.status} and cannot be stopped`);
        touch(job, 'Stopping');
        sendJson(res, 200, {});
      },
    },
    {
      method: 'GET',
      pattern: /^\/model-invocation-jobs$/,
      handle(req, res) {
        const q = new URL(req.path, 'http://x').searchParams;
        const max = Number(q.get('maxResults') ?? 1000);
        const status = q.get('statusEquals');
        const list = [...jobs.values()]
          .reverse()
          .filter((j) => !status || j.status === status)
          .slice(0, max)
          .map(({ clientRequestToken: _t, ...j }) => view(j as FakeJob));
        sendJson(res, 200, { invocationJobSummaries: list });
      },
    },
  ];
  return { routes, jobs };
}
