// Writes docs/openapi.json from the routes the gateway registers (npm run openapi).
// A test (test/api/openapi.test.ts) fails when the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { generateOpenApiText } from '../src/api/openapi/generate.js';

const target = new URL('../docs/openapi.json', import.meta.url);
writeFileSync(target, await generateOpenApiText());
process.stdout.write(`wrote ${target.pathname}\n`);
