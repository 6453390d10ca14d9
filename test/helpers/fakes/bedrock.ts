import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { hasSigV4, verifySigV4, type SigV4Secret } from '../../../src/auth/inbound/sigv4-verify.js';
import { sendJson, startFake, type FakeServer, type RecordedRequest } from '../fake-server.js';

/** A request that passed the fake's auth check, with who signed it. */
export interface BedrockRequest extends RecordedRequest {
  /** The access key id that signed it, or `bearer` for an API key. */
  readonly signedBy: string;
}

/**
 * One operation the fake serves. `pattern` is matched against the raw wire path (still
 * percent-encoded, as AWS sees it); `bearer` allows Bedrock API keys (runtime only).
 */
export interface BedrockRoute {
  readonly method: 'POST' | 'GET';
  readonly pattern: RegExp;
  readonly bearer?: boolean;
  handle(req: BedrockRequest, res: ServerResponse, match: RegExpExecArray): void | Promise<void>;
}

export interface FakeBedrockOptions {
  /** Key pairs whose signatures are accepted (read live, so issued STS credentials can be shared); a pair with `sessionToken` demands that token. */
  readonly credentials: readonly SigV4Secret[];
  /** Region the signature scope must name. */
  readonly region: string;
  /** Bedrock API keys accepted as `Authorization: Bearer` on routes that allow it. */
  readonly apiKeys?: readonly string[];
  readonly routes?: readonly BedrockRoute[];
}

export interface FakeBedrock extends FakeServer {
  /** Adds an operation (Converse, InvokeModel for another family ...). */
  route(route: BedrockRoute): void;
  /** Requests whose signature (or API key) was accepted. */
  readonly accepted: BedrockRequest[];
  /** Requests rejected by the auth check, with the AWS error name sent back. */
  readonly rejected: Array<{ readonly path: string; readonly code: string }>;
}

/** Answers an error the way AWS rest-json services do (docs/protocols.md §4.7). */
export function awsError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(
    res,
    status,
    { message },
    { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': randomUUID() },
  );
}

/**
 * A fake AWS Bedrock endpoint on 127.0.0.1. Every request must carry a SigV4 signature
 * (recomputed here over exactly the signed headers and the raw wire path, service
 * `bedrock`, the configured region) or, on bearer routes, a known API key; failures answer
 * 403 `InvalidSignatureException` / `UnrecognizedClientException` like the AWS front end.
 */
export async function startFakeBedrock(options: FakeBedrockOptions): Promise<FakeBedrock> {
  const routes: BedrockRoute[] = [...(options.routes ?? [])];
  const accepted: BedrockRequest[] = [];
  const rejected: Array<{ path: string; code: string }> = [];

  const fake = await startFake(async (req, res) => {
    const found = findRoute(routes, req);
    if (!found) return awsError(res, 404, 'UnknownOperationException', `No operation for ${req.method} ${req.path}`);
    const [route, match] = found;
    const who = await authenticate(req, route);
    if (typeof who !== 'string') {
      rejected.push({ path: req.path, code: who.code });
      return awsError(res, 403, who.code, who.message);
    }
    const verified: BedrockRequest = { ...req, signedBy: who };
    accepted.push(verified);
    return route.handle(verified, res, match);
  });

  async function authenticate(req: RecordedRequest, route: BedrockRoute): Promise<string | { code: string; message: string }> {
    const auth = req.headers.authorization;
    if (route.bearer && typeof auth === 'string' && auth.startsWith('Bearer ')) {
      return options.apiKeys?.includes(auth.slice(7)) ? 'bearer' : { code: 'UnrecognizedClientException', message: 'Invalid API key' };
    }
    if (!hasSigV4(req.headers)) return { code: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
    const result = await verifySigV4(
      { method: req.method, path: req.path, headers: req.headers, body: req.raw },
      { keys: { find: (id) => options.credentials.find((c) => c.accessKeyId === id) }, service: 'bedrock' },
    );
    if (!result.ok) return result;
    if (result.region !== options.region) {
      return { code: 'InvalidSignatureException', message: `Credential should be scoped to a valid region, not '${result.region}'.` };
    }
    return result.accessKeyId;
  }

  return Object.assign(fake, {
    accepted,
    rejected,
    route(route: BedrockRoute) {
      routes.push(route);
    },
  });
}

function findRoute(routes: readonly BedrockRoute[], req: RecordedRequest): [BedrockRoute, RegExpExecArray] | undefined {
  const path = req.path.split('?')[0];
  for (const route of routes) {
    if (route.method !== req.method) continue;
    const m = route.pattern.exec(path);
    if (m) return [route, m];
  }
  return undefined;
}
