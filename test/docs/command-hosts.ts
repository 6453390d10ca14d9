// Vendor hosts that README commands name (an admin-created provider key's `api_base`, say),
// each mapped to a fake that checks the README environment's credentials.
import { startFakeBedrock } from '../helpers/fakes/bedrock.js';
import { startFakeCohere } from '../helpers/fakes/rerank-fakes.js';
import { awsPair, bedrockRoutes } from './upstreams.js';

export interface CommandHosts {
  /** Real base URL -> fake base URL, replaced as text in command blocks. */
  readonly map: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

export async function commandHosts(env: NodeJS.ProcessEnv): Promise<CommandHosts> {
  const region = 'us-west-2';
  const bedrock = await startFakeBedrock({
    region,
    credentials: [awsPair(env)],
    routes: bedrockRoutes(region),
  });
  const cohere = await startFakeCohere({ apiKey: env.COHERE_API_KEY });
  const map = new Map([
    [`https://bedrock-runtime.${region}.amazonaws.com`, bedrock.url],
    [`https://bedrock-agent-runtime.${region}.amazonaws.com`, bedrock.url],
    ['https://api.cohere.com', cohere.url],
  ]);
  return {
    map,
    async close() {
      await Promise.all([bedrock.close(), cohere.close()]);
    },
  };
}
