// The layer rules of docs/architecture.md, checked by `npm run lint`.
// Each rule names a layer and the layers above it that it must not import.
// No known violations: every rule holds (see docs/architecture.md for a baseline while a change is in flight).

const entry = '^src/(main|banner|app)\\.ts$|^src/cli/';
const layer = (...names) => `^src/(${names.join('|')})/`;

/** The request context is the contract the side layers read: a type they may import from core. */
const sharedCoreTypes = '^src/core/(context|limits/types)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'entry-is-top',
      comment: 'main, cli, banner and app assemble everything; nothing below imports them.',
      severity: 'error',
      from: { path: '^src/', pathNot: entry },
      to: { path: entry },
    },
    {
      name: 'api-not-up',
      comment: 'A surface (api/) parses and renders; it never reaches back into server/.',
      severity: 'error',
      from: { path: layer('api') },
      to: { path: layer('server') },
    },
    {
      name: 'services-not-up',
      comment: 'control/ and eval/ are services the surfaces call; they never import a surface or the server.',
      severity: 'error',
      from: { path: layer('control', 'eval') },
      to: { path: layer('api', 'server') },
    },
    {
      name: 'core-not-up',
      comment: 'core/ holds the policy; it never imports a surface, the server or the services above it.',
      severity: 'error',
      from: { path: layer('core') },
      to: { path: layer('api', 'server', 'control', 'eval') },
    },
    {
      name: 'side-layers-not-up',
      comment: 'auth, transport, store and observability serve core and server; only the request context types come from core.',
      severity: 'error',
      from: { path: layer('auth', 'transport', 'store', 'observability') },
      to: { path: layer('core', 'api', 'server', 'control', 'eval'), pathNot: sharedCoreTypes },
    },
    {
      name: 'side-layers-core-types-only',
      comment: 'What the side layers take from core is types (and the anonymous caller constant), never behaviour.',
      severity: 'error',
      from: { path: layer('transport', 'store', 'observability') },
      to: { path: sharedCoreTypes, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'config-below-core',
      comment: 'config/ composes the provider schemas and is handed down; it imports only providers and the bottom layers.',
      severity: 'error',
      from: { path: layer('config') },
      to: { path: layer('core', 'api', 'server', 'control', 'eval', 'auth', 'transport', 'store', 'observability') },
    },
    {
      name: 'providers-are-translators',
      comment: 'providers/ are pure translators: canonical types and errors only, no config, auth, transport, store or logger.',
      severity: 'error',
      from: { path: layer('providers') },
      to: { path: '^src/', pathNot: `${layer('providers', 'canonical', 'errors')}` },
    },
    {
      name: 'bottom-layers-import-nothing',
      comment: 'canonical/, errors/ and runtime/ are the floor: they import only each other.',
      severity: 'error',
      from: { path: layer('canonical', 'errors', 'runtime') },
      to: { path: '^src/', pathNot: layer('canonical', 'errors', 'runtime') },
    },
    {
      name: 'http-framework-in-server-and-api',
      comment: 'Only server/, api/ and app.ts know Fastify.',
      severity: 'error',
      from: { path: '^src/', pathNot: `${layer('server', 'api')}|^src/app\\.ts$` },
      to: { path: '^node_modules/(fastify|@fastify)/' },
    },
    {
      name: 'translators-stay-pure',
      comment: 'providers/ and canonical/ never import the transport, the logger or the HTTP framework packages.',
      severity: 'error',
      from: { path: layer('providers', 'canonical') },
      to: { path: '^node_modules/(fastify|undici|pino|ioredis|pg|better-sqlite3|@opentelemetry)/' },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import that resolves to nothing is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/|^node_modules/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
