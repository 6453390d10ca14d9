import { describeSurface } from '../surface.js';
import { SURFACES } from '../surfaces.js';
import { OpenApiRegistry } from './registry.js';
import { API_VERSION } from './surface.js';

/**
 * The OpenAPI document of every declared surface, exactly as a running gateway serves it
 * (the document is made from the same declarations the server mounts; no gateway is built).
 */
export async function generateOpenApiText(): Promise<string> {
  const registry = new OpenApiRegistry();
  for (const surface of SURFACES) describeSurface(registry, surface);
  return JSON.stringify(registry.document({ version: API_VERSION }), null, 2) + '\n';
}
