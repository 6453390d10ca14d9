import type { z } from 'zod';
import { providerOptions, upstreamUrl } from '../shared/options.js';

export const vllmOptions = providerOptions({ base_url: upstreamUrl });
export type VllmOptions = z.infer<typeof vllmOptions>;
