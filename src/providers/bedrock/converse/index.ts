import type { ChatRequest } from '../../../canonical/chat.js';
import type { ChatCapability, ChatStreamCapability, HttpCall, Target, UpstreamReply } from '../../types.js';
import { bedrockOptionsOf } from '../model-options.js';
import { runtimePath } from '../runtime-path.js';
import { converseBody } from './request.js';
import { parseConverse } from './response.js';
import { ConverseStreamTranslator } from './stream.js';

const RUNTIME = 'runtime';

/** OpenAI chat on Bedrock: `stream: false` -> Converse. */
export const bedrockChat: ChatCapability = {
  build: (request: ChatRequest, target: Target): HttpCall => ({
    method: 'POST',
    endpoint: RUNTIME,
    path: runtimePath(target.model, 'converse'),
    body: converseBody(request, target.model, bedrockOptionsOf(target).guardrail),
  }),
  parse: (reply: UpstreamReply) => parseConverse(reply),
};

/** OpenAI chat on Bedrock: `stream: true` -> ConverseStream (AWS event-stream frames). */
export const bedrockChatStream: ChatStreamCapability = {
  framing: 'aws-eventstream',
  build: (request: ChatRequest, target: Target): HttpCall => ({
    method: 'POST',
    endpoint: RUNTIME,
    path: runtimePath(target.model, 'converse-stream'),
    headers: { accept: 'application/vnd.amazon.eventstream' },
    body: converseBody(request, target.model, bedrockOptionsOf(target).guardrail),
  }),
  translator: () => new ConverseStreamTranslator(),
};
