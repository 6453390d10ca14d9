import { z } from 'zod';
import { providerOptions } from '../shared/options.js';

export const jinaOptions = providerOptions({ api_key: z.string().min(1) });
export type JinaOptions = z.infer<typeof jinaOptions>;
