import { admit } from '../../core/policy.js';
import { recordTarget } from '../../core/outcome.js';
import { relay } from '../../core/relay.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { lookupOf } from '../bedrock/model-lookup.js';
import type { SurfaceRoute } from '../surface.js';
import type { RuntimeSurfaceDeps } from './surface.js';

const IDENTIFIER = /^(?:[a-z0-9]+|arn:aws(?:-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail\/[a-z0-9]+)$/;
const VERSION = /^(?:[1-9][0-9]{0,7}|DRAFT)$/;

/**
 * ApplyGuardrail (`POST /guardrail/{guardrailIdentifier}/version/{guardrailVersion}/apply`)
 * passed through for AWS SDKs. The allow-list names a guardrail `guardrail/<identifier>`;
 * the first Bedrock provider (or the one of the ARN's region) re-signs it.
 */
export const applyGuardrailRoute: SurfaceRoute<RuntimeSurfaceDeps> = {
  method: 'post',
  path: '/guardrail/:guardrailIdentifier/version/:guardrailVersion/apply',
  doc: {
    summary: 'Bedrock Runtime ApplyGuardrail (passed through; the allow-list names `guardrail/<identifier>`)',
    rawRequest: 'The ApplyGuardrail request body, passed through',
    response: { raw: 'The ApplyGuardrail answer, passed through', mediaTypes: ['application/json'] },
    errors: [400, 403, 404, 429, 502, 503, 504],
  },
  handler:
    ({ routing }) =>
    async (request, reply) => {
      const ctx = request.ctx;
      ctx.surface = 'bedrock-runtime';
      const { guardrailIdentifier: id, guardrailVersion: version } = request.params as {
        guardrailIdentifier: string;
        guardrailVersion: string;
      };
      if (!IDENTIFIER.test(id)) throw invalidRequest('guardrailIdentifier must be a guardrail id or ARN', 'guardrailIdentifier');
      if (!VERSION.test(version)) throw invalidRequest('guardrailVersion must be a version number or DRAFT', 'guardrailVersion');
      const name = `guardrail/${id}`;
      admit(ctx, { requested: name, targets: [{ label: name } as never] });
      const target = lookupOf(routing()).resolveRuntime(id.startsWith('arn:') ? id : 'amazon.nova-lite-v1:0').targets[0];
      recordTarget(ctx, target);
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const path = `/guardrail/${encodeURIComponent(id)}/version/${encodeURIComponent(version)}/apply`;
      const opened = await relay(
        target,
        { method: 'POST', endpoint: 'runtime', path, body, headers: { 'content-type': 'application/json' } },
        ctx,
      );
      for (const h of ['content-type', 'x-amzn-requestid'])
        if (opened.headers[h] !== undefined) reply.header(h, opened.headers[h] as string);
      return reply.code(opened.status).send(opened.body);
    },
};
