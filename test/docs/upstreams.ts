// Turns a README config into one that runs here: every provider is pointed at a fake of its
// type on 127.0.0.1 (the project's fakes, which check auth and signatures like the real
// services), listeners go to free ports and state to a scratch directory.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SigV4Secret } from '../../src/auth/inbound/sigv4-verify.js';
import type { FakeServer } from '../helpers/fake-server.js';
import { startFakeBedrock, type BedrockRoute } from '../helpers/fakes/bedrock.js';
import { bedrockAsyncInvoke } from '../helpers/fakes/bedrock-async.js';
import { bedrockChatRoutes } from '../helpers/fakes/bedrock-chat.js';
import { bedrockKnowledgeBaseRoutes } from '../helpers/fakes/bedrock-kb.js';
import { bedrockImageRoutes } from '../helpers/fakes/bedrock-images.js';
import { bedrockRerankRoutes } from '../helpers/fakes/bedrock-rerank.js';
import { startFakeOpenAi } from '../helpers/fakes/openai.js';
import {
  startFakeCohere,
  startFakeCompatible,
  startFakeJina,
  startFakeTei,
  startFakeVllm,
  startFakeVoyage,
} from '../helpers/fakes/rerank-fakes.js';
import { startFakeS3 } from '../helpers/fakes/s3.js';
import { startFakeSts } from '../helpers/fakes/sts.js';
import { makeServiceAccount, startFakeGoogle } from '../helpers/fakes/vertex-fake.js';

type Raw = Record<string, any>;

/** The long-term AWS pair of the README's environment (static keys and the default chain). */
export function awsPair(env: NodeJS.ProcessEnv): SigV4Secret {
  return { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! };
}

const HEROKU = /(^|\.)inference\.heroku\.com$/i;

/**
 * Writes a service-account key for a Vertex `credentials_file` the README names (its path,
 * such as /secrets/ranker-sa.json, does not exist here) and returns its path.
 */
export function writeServiceAccount(
  dir: string,
  name: string,
  tokenUri: string,
): { path: string; account: ReturnType<typeof makeServiceAccount> } {
  const account = makeServiceAccount(tokenUri);
  const path = join(dir, `${name}-sa.json`);
  writeFileSync(path, JSON.stringify(account.key));
  return { path, account };
}

/** A config as written, made loadable here without changing what it says: only key files are supplied. */
export function forValidation(raw: Raw, scratch: string): Raw {
  const out = structuredClone(raw);
  out.storage = { ...(out.storage ?? {}), data_dir: join(scratch, 'data') };
  for (const p of Array.isArray(out.providers) ? out.providers : []) {
    if (p?.type === 'vertex' && typeof p.credentials_file === 'string') {
      p.credentials_file = writeServiceAccount(scratch, p.name ?? 'vertex', 'https://oauth2.googleapis.com/token').path;
    }
  }
  return out;
}

export interface Upstreams {
  readonly raw: Raw;
  close(): Promise<void>;
}

/**
 * Points every provider of an (interpolated) config at a fresh fake of its type that demands
 * exactly the credentials the entry carries, and moves listeners and storage here.
 */
export async function withFakeUpstreams(interpolated: Raw, env: NodeJS.ProcessEnv, scratch: string): Promise<Upstreams> {
  const raw = structuredClone(interpolated);
  const fakes: Array<{ close(): Promise<void> }> = [];
  const server = { ...(raw.server ?? {}) };
  for (const k of ['host', 'admin_host', 'port', 'admin_port', 'tls']) delete server[k];
  raw.server = { ...server, port: 0, admin_port: 0 };
  const storage = { ...(raw.storage ?? {}) };
  // Shared PostgreSQL/Redis hosts of the examples (db:5432, redis:6379) do not exist here.
  delete storage.database_url;
  delete storage.redis_url;
  raw.storage = { ...storage, data_dir: join(scratch, 'data') };

  for (const p of Array.isArray(raw.providers) ? raw.providers : []) {
    const fake = await fakeFor(p, env, scratch);
    if (fake) fakes.push(fake);
  }
  return {
    raw,
    async close() {
      await Promise.all(fakes.map((f) => f.close()));
    },
  };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

async function fakeFor(p: Raw, env: NodeJS.ProcessEnv, scratch: string): Promise<{ close(): Promise<void> } | undefined> {
  // An address on this machine is left as written (Troubleshooting aims one at a closed port).
  if (typeof p.base_url === 'string' && LOOPBACK.has(new URL(p.base_url).hostname)) return undefined;
  const apiKey: string | undefined = p.api_key;
  const at = (fake: FakeServer, path = '') => {
    p.base_url = fake.url + path;
    return fake;
  };
  switch (p.type) {
    case 'cohere': {
      // The fake's host is not Heroku's: keep the path Rankway picks for a Heroku host.
      if (p.base_url && HEROKU.test(new URL(p.base_url).hostname)) p.api_version ??= 'v1';
      return at(await startFakeCohere({ apiKey }));
    }
    case 'vllm':
      return at(await startFakeVllm({ apiKey }));
    case 'tei':
      return at(await startFakeTei({ apiKey }));
    case 'jina':
      return at(await startFakeJina({ apiKey }));
    case 'voyage':
      return at(await startFakeVoyage({ apiKey }));
    case 'openai-compatible':
      return at(await startFakeCompatible({ apiKey }));
    case 'openai': {
      const azure = p.azure?.api_version as string | undefined;
      return at(await startFakeOpenAi({ apiKey, azureApiVersion: azure }), azure ? '' : '/v1');
    }
    case 'vertex': {
      const google = await startFakeGoogle();
      p.base_url = google.server.url;
      if (typeof p.credentials_file === 'string') {
        const { path, account } = writeServiceAccount(scratch, p.name, `${google.server.url}/token`);
        google.trust(account.key.client_email, account.publicKeyPem);
        p.credentials_file = path;
      }
      return google.server;
    }
    case 'bedrock':
      return fakeBedrock(p, env);
    default:
      return undefined;
  }
}

/**
 * Every operation the README's Bedrock examples use. Embeddings come first (their pattern is
 * the most specific); InvokeModel of an image model goes to the image fake, else to rerank.
 */
export function bedrockRoutes(region: string): BedrockRoute[] {
  const [agentRerank, invokeRerank] = bedrockRerankRoutes(region);
  const images = bedrockImageRoutes();
  const invokeImage = images.find((r) => r.pattern.source === invokeRerank.pattern.source)!;
  const invoke: BedrockRoute = {
    ...invokeRerank,
    handle: (req, res, match) =>
      /nova-canvas|titan-image|stability\./.test(decodeURIComponent(match[1]))
        ? invokeImage.handle(req, res, match)
        : invokeRerank.handle(req, res, match),
  };
  return [...bedrockChatRoutes(), ...images.filter((r) => r !== invokeImage), ...bedrockKnowledgeBaseRoutes(region), agentRerank, invoke];
}

/** One fake Bedrock (runtime and agent runtime on one port) in the entry's region, plus STS for a role. */
async function fakeBedrock(p: Raw, env: NodeJS.ProcessEnv): Promise<{ close(): Promise<void> }> {
  const region = String(p.region);
  const longTerm: SigV4Secret =
    p.access_key_id && p.secret_access_key
      ? { accessKeyId: p.access_key_id, secretAccessKey: p.secret_access_key, sessionToken: p.session_token }
      : awsPair(env);
  const credentials: SigV4Secret[] = [];
  const closers: Array<() => Promise<void>> = [];
  if (p.role_arn) {
    const sts = await startFakeSts({ caller: longTerm, externalId: p.external_id, issueInto: credentials });
    p.sts_endpoint = sts.url;
    closers.push(() => sts.close());
  } else credentials.push(longTerm);
  const routes = bedrockRoutes(region);
  if (p.video_output_s3_uri) {
    // Async invoke (video) writes its output to S3, which Rankway then reads.
    const s3 = await startFakeS3({ credentials, region });
    routes.unshift(...bedrockAsyncInvoke({ region, account: '123456789012', s3, pollsToFinish: 1 }).routes);
    p.s3_endpoint = s3.url;
    closers.push(() => s3.close());
  }
  const bedrock = await startFakeBedrock({ region, credentials, apiKeys: p.api_key ? [p.api_key] : [], routes });
  p.runtime_endpoint = bedrock.url;
  p.agent_runtime_endpoint = bedrock.url;
  closers.push(() => bedrock.close());
  return { close: async () => void (await Promise.all(closers.map((c) => c()))) };
}
