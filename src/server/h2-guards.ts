import http2, {
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2SecureServer,
  type Http2Session,
} from 'node:http2';

export interface Http2GuardOptions {
  /** A new connection must open its first stream within this (the HTTP/1.1 headers timeout). */
  readonly headersTimeoutMs: number;
  /** Each stream must deliver its whole request (headers and body) within this (408 otherwise). */
  readonly requestTimeoutMs: number;
  /** Request-body bytes one connection may hold across its open streams (503 for the stream going over). */
  readonly maxBufferedRequestBytes: number;
}

/** SETTINGS for the HTTP/2 server: the stream cap is advertised, and nghttp2 refuses streams beyond it. */
export function http2Settings(maxConcurrentStreams: number): http2.Settings {
  return { maxConcurrentStreams };
}

/** Request-body bytes held by one connection's open streams. */
const held = new WeakMap<Http2Session, { bytes: number }>();

/**
 * The HTTP/1.1 server's slow-client deadlines, applied to HTTP/2, plus a cap on what one
 * connection may make the gateway hold. Without them one h2 connection could trickle
 * thousands of streams for ever or pin hundreds of megabytes of request bodies: Node's
 * `headersTimeout`/`requestTimeout` exist only on the HTTP/1.1 server.
 *
 * A stream that misses its deadline or goes over the connection's byte cap gets an answer
 * (408 or 503) and then RST_STREAM, which stops the client sending the rest of its body;
 * its buffered bytes are released at once.
 */
export function guardHttp2(server: Http2Server | Http2SecureServer, options: Http2GuardOptions): void {
  server.on('session', (session: Http2Session) => {
    held.set(session, { bytes: 0 });
    // A connection that never asks for anything goes, like an HTTP/1.1 one that sends no headers.
    const firstRequest = setTimeout(() => session.destroy(), options.headersTimeoutMs);
    firstRequest.unref();
    session.once('stream', () => clearTimeout(firstRequest));
    session.once('close', () => clearTimeout(firstRequest));
  });
  // Registered after Fastify's handler: the framework has the request before the guards watch it.
  server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
    // With TLS, HTTP/1.1 clients (ALPN `allowHTTP1`) arrive here too, with no stream.
    if (req.httpVersionMajor !== 2) return;
    const stream = req.stream;
    const account = held.get(stream.session!);
    /** This stream's share of `account`; -1 once it no longer counts. */
    let bytes = 0;
    let deadline: NodeJS.Timeout | undefined;
    const received = (): void => clearTimeout(deadline);
    if (!stream.endAfterHeaders) {
      deadline = setTimeout(() => refuse(res, 408), options.requestTimeoutMs);
      deadline.unref();
      stream.once('end', received);
      // Counted where the session hands body bytes to the stream: a 'data' listener would
      // switch the stream to flowing before the compat request reads it, and lose the bytes.
      const push = stream.push;
      stream.push = function (this: typeof stream, chunk: unknown, encoding?: BufferEncoding): boolean {
        if (account && bytes >= 0 && Buffer.isBuffer(chunk)) {
          bytes += chunk.length;
          account.bytes += chunk.length;
          if (account.bytes > options.maxBufferedRequestBytes) {
            // Its bytes count no more from now on, so the connection's other streams go on.
            account.bytes -= bytes;
            bytes = -1;
            process.nextTick(refuse, res, 503);
          }
        }
        return push.call(this, chunk, encoding);
      };
    }
    stream.once('close', () => {
      received();
      if (account && bytes > 0) account.bytes -= bytes;
      bytes = -1;
    });
  });
}

/**
 * Answers `status` unless the handler already started its answer, then resets the stream.
 * The reset carries an error code (CANCEL for a deadline, ENHANCE_YOUR_CALM for the byte
 * cap) rather than NO_ERROR: a client whose upload is blocked on flow control never sees
 * its stream close after a NO_ERROR reset (Node's client waits for the writes to drain).
 */
function refuse(res: Http2ServerResponse, status: 408 | 503): void {
  const stream = res.stream;
  if (stream.destroyed || stream.closed) return;
  const code = status === 503 ? http2.constants.NGHTTP2_ENHANCE_YOUR_CALM : http2.constants.NGHTTP2_CANCEL;
  if (res.headersSent) return void stream.close(code);
  res.writeHead(status, status === 503 ? { 'retry-after': '1' } : {});
  res.end(() => stream.close(code));
}
