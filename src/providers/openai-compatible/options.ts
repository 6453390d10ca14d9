import type { z } from 'zod';
import { providerOptions, upstreamUrl } from '../shared/options.js';

export const openaiCompatibleOptions = providerOptions({ base_url: upstreamUrl });
export type OpenaiCompatibleOptions = z.infer<typeof openaiCompatibleOptions>;
