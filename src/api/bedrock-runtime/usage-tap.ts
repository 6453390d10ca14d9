import { Transform, type TransformCallback } from 'node:stream';
import type { Usage } from '../../canonical/usage.js';
import { AwsEventStreamDecoder } from '../../transport/aws-event-stream.js';

const MAX_JSON_BYTES = 4 * 1024 * 1024;
const decoder = new TextDecoder();

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * Usage out of one JSON document: Converse `usage`, Anthropic's native `usage`, Titan
 * embeddings' `inputTextTokenCount`, or the `amazon-bedrock-invocationMetrics` that end an
 * InvokeModel stream.
 */
function usageOf(doc: Record<string, any>): Usage | undefined {
  const u = doc.usage;
  if (u && typeof u === 'object') {
    if ('inputTokens' in u || 'outputTokens' in u) return tokens(u.inputTokens, u.outputTokens);
    if ('input_tokens' in u || 'output_tokens' in u) return tokens(u.input_tokens, u.output_tokens);
  }
  if ('inputTextTokenCount' in doc) return tokens(doc.inputTextTokenCount, 0);
  const m = doc['amazon-bedrock-invocationMetrics'];
  if (m && typeof m === 'object') return tokens(m.inputTokenCount, m.outputTokenCount);
  return undefined;
}

const tokens = (input: unknown, output: unknown): Usage => ({
  inputTokens: num(input),
  outputTokens: num(output),
  searchUnits: 0,
  queries: 0,
});

/**
 * Passes response bytes through unchanged while reading usage on the side: from a JSON
 * body's `usage` (Converse), from event-stream `metadata` events (ConverseStream) and from
 * `chunk` events' invocation metrics (InvokeModelWithResponseStream). Parsing problems
 * never touch the bytes; they only mean no usage is recorded.
 */
export class UsageTap extends Transform {
  private readonly events?: AwsEventStreamDecoder;
  private json?: Buffer[];
  private jsonBytes = 0;
  private broken = false;

  constructor(
    contentType: string,
    private readonly onUsage: (usage: Usage) => void,
    /** Larger messages are passed on but not read for usage, so the tap never holds more. */
    maxEventBytes?: number,
  ) {
    super();
    if (contentType.startsWith('application/vnd.amazon.eventstream')) this.events = new AwsEventStreamDecoder(maxEventBytes);
    else if (contentType.startsWith('application/json')) this.json = [];
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.broken) this.inspect(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.json && !this.broken) {
      try {
        const usage = usageOf(JSON.parse(Buffer.concat(this.json).toString('utf8')));
        if (usage) this.onUsage(usage);
      } catch {
        // Not JSON after all: nothing to record.
      }
    }
    callback();
  }

  private inspect(chunk: Buffer): void {
    try {
      if (this.json) {
        this.jsonBytes += chunk.length;
        if (this.jsonBytes > MAX_JSON_BYTES) this.broken = true;
        else this.json.push(chunk);
        return;
      }
      if (!this.events) return;
      for (const frame of this.events.push(chunk)) {
        const type = frame.headers[':event-type'];
        if (type !== 'metadata' && type !== 'chunk') continue;
        const payload = JSON.parse(decoder.decode(frame.payload)) as Record<string, any>;
        const doc =
          type === 'chunk' && typeof payload.bytes === 'string'
            ? JSON.parse(Buffer.from(payload.bytes, 'base64').toString('utf8'))
            : payload;
        const usage = usageOf(doc);
        if (usage) this.onUsage(usage);
      }
    } catch {
      this.broken = true;
    }
  }
}
