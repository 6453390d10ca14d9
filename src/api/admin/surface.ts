import { coded } from '../../errors/gateway-error.js';
import { isConnectionFailure } from '../../store/deadline.js';
import { openAiErrors } from '../envelopes.js';
import { defineSurface, type ErrorEnvelope } from '../surface.js';
import { apiKeyRoutes } from './apikeys.js';
import { awsAccessKeyRoutes } from './aws-access-keys.js';
import type { AdminSurfaceDeps } from './common.js';
import { evalRoutes } from './eval.js';
import { calibrationRoutes } from './eval-calibrations.js';
import { shadowReportRoutes } from './eval-shadow.js';
import { splitReportRoutes } from './eval-splits.js';
import { meRoutes } from './me.js';
import { modelRoutes } from './models.js';
import { playgroundRoutes } from './playground.js';
import { providerKeyRoutes } from './provider-keys.js';
import { requestRoutes } from './requests.js';
import { rolesRoutes } from './roles.js';
import { usageSeriesRoutes } from './usage-series.js';
import { usageRoute } from './usage.js';

/** The OpenAI envelope; a database that does not answer is a 503 the operator can retry, not a 500. */
const adminErrors: ErrorEnvelope = {
  ...openAiErrors,
  classify: (error) => (isConnectionFailure(error) ? coded('database_unavailable', undefined, { retryAfterMs: 2000 }) : undefined),
};

/**
 * `/admin/v1/*`: provider keys, models, API keys, AWS access keys, usage and Rerank Lab, behind
 * the admin key. A new admin endpoint is a route list in its own file, added here.
 */
export const adminSurface = defineSurface<AdminSurfaceDeps>({
  name: 'admin',
  listener: 'admin',
  prefix: '/admin',
  body: { kind: 'json' },
  auth: 'admin',
  errors: adminErrors,
  tags: ['admin'],
  routes: [
    ...providerKeyRoutes,
    ...modelRoutes,
    ...apiKeyRoutes,
    ...awsAccessKeyRoutes,
    usageRoute,
    ...usageSeriesRoutes,
    ...requestRoutes,
    ...rolesRoutes,
    ...meRoutes,
    ...playgroundRoutes,
    ...evalRoutes,
    ...shadowReportRoutes,
    ...splitReportRoutes,
    ...calibrationRoutes,
  ],
});
