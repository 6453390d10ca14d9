import { z } from 'zod';
import { providerOptions } from '../shared/options.js';

export const voyageOptions = providerOptions({ api_key: z.string().min(1) });
export type VoyageOptions = z.infer<typeof voyageOptions>;
