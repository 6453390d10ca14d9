import type { z } from 'zod';
import { providerOptions } from '../shared/options.js';

export const localOptions = providerOptions({});
export type LocalOptions = z.infer<typeof localOptions>;
