/**
 * A video generation request as surfaces hand it to core (OpenAI's `POST /v1/videos`).
 * @example { model: 'nova-reel', prompt: 'a red square rotating', seconds: 6, extras: { fps: 24 } }
 */
export interface VideoRequest {
  readonly model: string;
  readonly prompt: string;
  readonly seconds?: number;
  readonly size?: string;
  /** A starting frame (`input_reference`), raw bytes and media type. */
  readonly image?: { readonly bytes: Uint8Array; readonly mediaType: string };
  /** S3 prefix for the output, when the caller names one (`output_s3_uri`). */
  readonly outputS3Uri?: string;
  readonly extras: Readonly<Record<string, unknown>>;
}

/** One asynchronous generation job as the upstream reports it. */
export interface VideoJob {
  /** The upstream's id (Bedrock: the invocation ARN). */
  readonly upstreamId: string;
  /** The upstream's own status word, kept as sent. */
  readonly upstreamStatus: string;
  readonly status: 'queued' | 'in_progress' | 'completed' | 'failed';
  readonly modelArn?: string;
  readonly submitTime?: string;
  readonly endTime?: string;
  readonly failureMessage?: string;
  /** Where the finished video lives (Bedrock: `s3://bucket/prefix/id`). */
  readonly outputUri?: string;
}
