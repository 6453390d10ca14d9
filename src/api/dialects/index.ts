import { cohereSurface } from './cohere/index.js';
import { jinaSurface } from './jina/index.js';
import { teiSurface } from './tei/index.js';
import { vertexSurface } from './vertex/index.js';
import { voyageSurface } from './voyage/index.js';

/**
 * Every vendor dialect under its own prefix, each a surface with its vendor's error shape,
 * all served by the same RerankService: clients change only their base URL.
 */
export const dialectSurfaces = [cohereSurface, jinaSurface, voyageSurface, teiSurface, vertexSurface] as const;
