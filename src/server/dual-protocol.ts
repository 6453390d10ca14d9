import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2, { type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { guardHttp2, http2Settings, type Http2GuardOptions } from './h2-guards.js';

/** Fastify's request handler; it serves HTTP/2 compat requests as it does with `http2: true`. */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface DualProtocolOptions {
  /** PEM text or a path to a PEM file, for each. When absent the server speaks cleartext. */
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly keepAliveTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  /** Slow-client deadlines and the per-connection byte cap for HTTP/2 (HTTP/1.1 gets Node's own). */
  readonly http2: Http2GuardOptions & { readonly maxConcurrentStreams: number };
}

/** The first bytes of every HTTP/2 connection with prior knowledge (RFC 9113 3.4). */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/**
 * One port for HTTP/1.1 and HTTP/2. AWS SDK v3 Bedrock clients open cleartext HTTP/2 with
 * prior knowledge on `http://` endpoints while curl, boto3 and most clients speak HTTP/1.1:
 * without TLS each connection is routed by its first bytes; with TLS, ALPN decides
 * (`allowHTTP1`). Returns an `http.Server` (or the TLS server) for Fastify's `serverFactory`.
 */
export function createDualProtocolServer(handler: Handler, options: DualProtocolOptions): http.Server {
  const h2Handler = handler as unknown as (req: Http2ServerRequest, res: Http2ServerResponse) => void;
  if (options.tls) {
    const secure = http2.createSecureServer(
      {
        cert: pem(options.tls.cert),
        key: pem(options.tls.key),
        allowHTTP1: true,
        settings: http2Settings(options.http2.maxConcurrentStreams),
      },
      h2Handler,
    );
    secure.setTimeout(options.connectionTimeoutMs);
    guardHttp2(secure, options.http2);
    return trackSessions(secure as unknown as http.Server, secure);
  }
  // Node enforces headersTimeout/requestTimeout on a sweep every connectionsCheckingInterval
  // (30 s by default); a 1 s sweep makes slow-loris clients go when their time is up.
  const h1 = http.createServer({ connectionsCheckingInterval: 1000 }, handler);
  h1.keepAliveTimeout = options.keepAliveTimeoutMs;
  h1.setTimeout(options.connectionTimeoutMs);
  const h2 = http2.createServer({ settings: http2Settings(options.http2.maxConcurrentStreams) }, h2Handler);
  h2.setTimeout(options.connectionTimeoutMs);
  guardHttp2(h2, options.http2);

  // Take over connection dispatch from the HTTP/1.1 server, keeping its own listener for h1.
  const h1ConnectionListeners = h1.listeners('connection') as Array<(socket: Socket) => void>;
  h1.removeAllListeners('connection');
  h1.on('connection', (socket: Socket) => {
    // A connection that never says anything is dropped like an idle HTTP/1.1 one.
    const idle = setTimeout(() => socket.destroy(), options.connectionTimeoutMs);
    idle.unref();
    socket.once('close', () => clearTimeout(idle));
    let seen: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, H2_PREFACE.length);
      const isH2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      // Undecided until a prefix diverges from the preface or the whole preface arrived.
      if (isH2 && n < H2_PREFACE.length) return;
      socket.off('data', onData);
      clearTimeout(idle);
      socket.pause();
      if (isH2) {
        // The HTTP/2 session reads the socket's native handle directly, past any unshifted
        // bytes, so it gets a stream that replays what was sniffed and then relays the socket.
        h2.emit('connection', replayStream(socket, seen));
        return;
      }
      socket.unshift(seen);
      for (const listener of h1ConnectionListeners) listener.call(h1, socket);
      socket.resume();
    };
    socket.on('data', onData);
  });
  return trackSessions(h1, h2);
}

/** A duplex that yields `head` and then the socket's bytes; writes go to the socket. */
function replayStream(socket: Socket, head: Buffer): Duplex {
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(err, callback) {
      socket.destroy(err ?? undefined);
      callback(err);
    },
  });
  stream.push(head);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.once('end', () => stream.push(null));
  socket.once('error', (err) => stream.destroy(err));
  socket.once('close', () => stream.destroy());
  // What request logs and `request.ip` read from the connection.
  Object.defineProperties(stream, {
    remoteAddress: { get: () => socket.remoteAddress },
    remotePort: { get: () => socket.remotePort },
    remoteFamily: { get: () => socket.remoteFamily },
    localAddress: { get: () => socket.localAddress },
    localPort: { get: () => socket.localPort },
  });
  return stream;
}

/** Makes `close`/`closeAllConnections` on the returned server also end HTTP/2 sessions. */
function trackSessions(server: http.Server, h2: http2.Http2Server | http2.Http2SecureServer): http.Server {
  const sessions = new Set<Http2Session>();
  h2.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    for (const s of sessions) s.close();
    return close(cb);
  }) as typeof server.close;
  const closeAll = typeof server.closeAllConnections === 'function' ? server.closeAllConnections.bind(server) : undefined;
  server.closeAllConnections = () => {
    for (const s of sessions) s.destroy();
    closeAll?.();
  };
  return server;
}

const pem = (value: string): string => (value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8'));
