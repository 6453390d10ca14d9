import { z } from 'zod';
import { providerOptions, upstreamUrl } from '../shared/options.js';

export const teiOptions = providerOptions({
  base_url: upstreamUrl,
  /** TEI's --max-client-batch-size; the server default is 32. */
  max_documents_per_request: z.number().int().positive().default(32),
});
export type TeiOptions = z.infer<typeof teiOptions>;
