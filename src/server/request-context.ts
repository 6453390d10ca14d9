import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallerAuthenticator } from '../auth/inbound/authenticator.js';
import type { SigV4CallerAuthenticator } from '../auth/inbound/sigv4-caller.js';
import { hasSigV4 } from '../auth/inbound/sigv4-verify.js';
import type { Span } from '@opentelemetry/api';
import { ANONYMOUS, newOutcome, type Caller, type Outcome, type RequestContext, type Reserver, type UsageSink } from '../core/context.js';
import type { Reservation } from '../core/limits/types.js';
import type { LimitEnforcer } from '../core/limits/enforce.js';
import { coded } from '../errors/gateway-error.js';
import type { Logger } from '../observability/log.js';
import type { Tracing } from '../observability/tracing.js';

/** Placeholder caller until a SigV4 signature is checked, which needs the parsed body. */
const SIGV4_PENDING: Caller = Object.freeze({ keyId: '', name: 'sigv4-pending' });

export interface RequestContextOptions {
  readonly logger: Logger;
  readonly requestTimeoutMs: number;
  /** `server.auth: keys`: SigV4 callers are only looked for then. */
  readonly keysRequired: boolean;
  readonly authenticator: CallerAuthenticator;
  readonly sigv4?: SigV4CallerAuthenticator;
  readonly limits?: LimitEnforcer;
  readonly usage?: UsageSink;
  readonly tracing?: Tracing;
}

/**
 * Gives every proxy request its context (id, deadline, logger, outcome, span) and its caller:
 * a caller key checked on arrival, or a SigV4 signature checked once the body is read (it is
 * signed). The caller's limits and budget are admitted here, for every surface alike.
 */
export function installRequestContext(app: FastifyInstance, options: RequestContextOptions): void {
  const { logger, tracing, usage } = options;
  app.decorateRequest('ctx', null as unknown as RequestContext);

  // Callback-style hooks: most requests finish them synchronously, with no promise each.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    const ctx = new ServerRequestContext(
      request.id,
      Date.now() + options.requestTimeoutMs,
      logger,
      wantsNoCache(request.headers['cache-control']),
      tracing?.startRequest(request.method, request.headers),
      request.headers,
    );
    request.ctx = ctx;
    if (request.routeOptions.config?.public === true) return done();
    if (usage?.full()) {
      return done(coded('usage_journal_full', undefined, { retryAfterMs: 5000 }));
    }
    // The context exists before auth so refused requests are still counted and traced.
    const sigv4 = options.keysRequired && request.routeOptions.config?.sigv4 === true && hasSigV4(request.headers);
    if (sigv4) {
      (ctx as { caller: Caller }).caller = SIGV4_PENDING;
      return done();
    }
    let found: Caller | Promise<Caller>;
    try {
      found = options.authenticator.authenticate(request.headers);
    } catch (err) {
      return done(err as Error);
    }
    if (found instanceof Promise) found.then((caller) => admitCaller(request, reply, caller, done), done);
    else admitCaller(request, reply, found, done);
  });

  /** Records the caller and counts the request against its limits and budget (every surface passes here). */
  function admitCaller(request: FastifyRequest, reply: FastifyReply, caller: Caller, done: (err?: Error) => void): void {
    (request.ctx as { caller: Caller }).caller = caller;
    if (!caller.limits || !options.limits) {
      done();
      return;
    }
    options.limits.admit(request.ctx).then((headers) => {
      if (headers) reply.headers(headers);
      done();
    }, done);
  }

  // SigV4 signs the body, so it is checked once the route's parser kept the raw bytes.
  app.addHook('preValidation', (request, reply, done) => {
    if (request.ctx?.caller !== SIGV4_PENDING) return done();
    if (!options.sigv4) return done(coded('sigv4_not_accepted'));
    options.sigv4
      .authenticate({ method: request.method, path: request.raw.url ?? request.url, headers: request.headers, body: request.rawBody })
      .then((caller) => admitCaller(request, reply, caller, done), done);
  });
}

/**
 * A proxy request's context. Its logger is a pino child carrying the request id, made on
 * first use (most requests log nothing but their access line) and then kept.
 */
class ServerRequestContext implements RequestContext {
  readonly caller: Caller = ANONYMOUS;
  surface = 'unknown';
  readonly outcome: Outcome = newOutcome();
  settled?: boolean = undefined;
  reserver?: Reserver = undefined;
  reservation?: Reservation | null = undefined;
  recorded?: boolean = undefined;
  afterResponse?: Array<() => void> = undefined;
  private child: Logger | undefined = undefined;

  constructor(
    readonly requestId: string,
    readonly deadline: number,
    private readonly root: Logger,
    readonly noCache: boolean,
    readonly span: Span | undefined,
    readonly headers: Readonly<Record<string, string | string[] | undefined>>,
  ) {}

  get log(): Logger {
    this.child ??= this.root.child({ requestId: this.requestId });
    return this.child;
  }
}

/** `Cache-Control: no-cache` or `no-store` from the caller: skip the pair cache. */
function wantsNoCache(header: string | undefined): boolean {
  return header !== undefined && /no-cache|no-store/i.test(header);
}
