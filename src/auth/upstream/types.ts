/** A request about to leave for an upstream, as signers need to see it. */
export interface OutboundRequest {
  readonly method: string;
  /** `https://host:port`, no trailing slash. */
  readonly origin: string;
  /** The path exactly as it goes on the wire (already percent-encoded), query included. */
  readonly path: string;
  /** Mutable: signers add their headers here. */
  readonly headers: Record<string, string>;
  readonly body: Buffer | string | undefined;
}

/** Adds credentials to an outbound request (bearer, SigV4, Google OAuth ...). */
export interface UpstreamAuth {
  apply(request: OutboundRequest): void | Promise<void>;
}

export const noAuth: UpstreamAuth = { apply() {} };
