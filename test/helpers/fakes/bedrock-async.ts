import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson } from '../fake-server.js';
import { awsError, type BedrockRoute } from './bedrock.js';
import type { FakeS3 } from './s3.js';

interface Job {
  invocationArn: string;
  modelArn: string;
  clientRequestToken?: string;
  status: 'InProgress' | 'Completed' | 'Failed';
  submitTime: string;
  endTime?: string;
  failureMessage?: string;
  outputDataConfig: { s3OutputDataConfig: { s3Uri: string } };
  polls: number;
}

export interface FakeAsyncInvoke {
  readonly routes: BedrockRoute[];
  readonly jobs: Map<string, Job>;
}

const invalid = (res: ServerResponse, m: string) => awsError(res, 400, 'ValidationException', m);

/**
 * StartAsyncInvoke / GetAsyncInvoke / ListAsyncInvokes for the fake Bedrock runtime. A job
 * stays InProgress for `pollsToFinish` reads, then completes and writes `output.mp4` under its
 * S3 prefix (or fails when the prompt contains "FAIL-ME").
 */
export function bedrockAsyncInvoke(options: { region: string; account: string; s3: FakeS3; pollsToFinish: number }): FakeAsyncInvoke {
  const jobs = new Map<string, Job>();
  const advance = (job: Job, prompt: string): void => {
    if (job.status !== 'InProgress' || ++job.polls <= options.pollsToFinish) return;
    job.endTime = new Date().toISOString();
    if (prompt.includes('FAIL-ME')) {
      job.status = 'Failed';
      job.failureMessage = 'The video could not be generated';
      return;
    }
    job.status = 'Completed';
    const uri = job.outputDataConfig.s3OutputDataConfig.s3Uri.replace(/^s3:\/\//, '');
    options.s3.objects.set(`${uri}/output.mp4`, Buffer.concat([Buffer.from('....ftypmp42'), randomBytes(4096)]));
  };
  const prompts = new Map<string, string>();
  const view = ({ polls: _p, ...job }: Job) => job;
  const routes: BedrockRoute[] = [
    {
      method: 'POST',
      pattern: /^\/async-invoke$/,
      handle(req, res) {
        const b = req.json;
        if (typeof b?.modelId !== 'string' || !b.modelInput || typeof b.outputDataConfig?.s3OutputDataConfig?.s3Uri !== 'string') {
          return invalid(res, 'modelId, modelInput and outputDataConfig.s3OutputDataConfig.s3Uri are required');
        }
        if (!/^s3:\/\//.test(b.outputDataConfig.s3OutputDataConfig.s3Uri)) return invalid(res, 'Invalid S3 URI');
        const id = randomBytes(6).toString('hex');
        const invocationArn = `arn:aws:bedrock:${options.region}:${options.account}:async-invoke/${id}`;
        const prompt = String(
          b.modelInput.textToVideoParams?.text ?? b.modelInput.multiShotAutomatedParams?.text ?? b.modelInput.prompt ?? '',
        );
        prompts.set(invocationArn, prompt);
        jobs.set(invocationArn, {
          invocationArn,
          modelArn: `arn:aws:bedrock:${options.region}::foundation-model/${b.modelId}`,
          clientRequestToken: b.clientRequestToken,
          status: 'InProgress',
          submitTime: new Date().toISOString(),
          outputDataConfig: { s3OutputDataConfig: { s3Uri: `${b.outputDataConfig.s3OutputDataConfig.s3Uri.replace(/\/$/, '')}/${id}` } },
          polls: 0,
        });
        sendJson(res, 200, { invocationArn });
      },
    },
    {
      method: 'GET',
      // The ARN is one path label: its `:` and `/` arrive percent-encoded, as the AWS SDKs send them.
      pattern: /^\/async-invoke\/(arn%3Aaws%3Abedrock%3A[^/]+)$/,
      handle(_req, res, m) {
        const job = jobs.get(decodeURIComponent(m[1]));
        if (!job) return awsError(res, 404, 'ResourceNotFoundException', 'The specified invocation ARN does not exist');
        advance(job, prompts.get(job.invocationArn) ?? '');
        sendJson(res, 200, view(job));
      },
    },
    {
      method: 'GET',
      pattern: /^\/async-invoke$/,
      handle(req, res) {
        const max = Number(new URL(req.path, 'http://x').searchParams.get('maxResults') ?? 1000);
        const list = [...jobs.values()]
          .reverse()
          .slice(0, max)
          .map(({ clientRequestToken: _t, ...j }) => view(j as Job));
        sendJson(res, 200, { asyncInvokeSummaries: list });
      },
    },
  ];
  return { routes, jobs };
}
