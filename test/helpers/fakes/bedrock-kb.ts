import { sendJson } from '../fake-server.js';
import type { BedrockRoute } from './bedrock.js';

/**
 * Agent Runtime Retrieve and RetrieveAndGenerate for the fake Bedrock: a knowledge-base id in
 * the path (Retrieve) or the body, and a foundation-model ARN for generation, as AWS demands.
 */
export function bedrockKnowledgeBaseRoutes(region: string): BedrockRoute[] {
  const validation = { 'x-amzn-errortype': 'ValidationException' };
  return [
    {
      method: 'POST',
      pattern: /^\/retrieveAndGenerate$/,
      handle(req, res) {
        const kb = req.json?.retrieveAndGenerateConfiguration?.knowledgeBaseConfiguration;
        const arn = new RegExp(`^arn:aws:bedrock:${region}::foundation-model/`);
        if (!kb?.knowledgeBaseId || !arn.test(kb.modelArn))
          return sendJson(res, 400, { message: 'bad knowledge base configuration' }, validation);
        sendJson(res, 200, { sessionId: 'sess-1', output: { text: `answer to ${req.json.input?.text}` }, citations: [] });
      },
    },
    {
      method: 'POST',
      pattern: /^\/knowledgebases\/([A-Za-z0-9]+)\/retrieve$/,
      handle(req, res, m) {
        if (typeof req.json?.retrievalQuery?.text !== 'string')
          return sendJson(res, 400, { message: 'retrievalQuery is required' }, validation);
        sendJson(res, 200, { retrievalResults: [{ content: { text: `from ${m[1]}: ${req.json.retrievalQuery.text}` }, score: 0.9 }] });
      },
    },
  ];
}
