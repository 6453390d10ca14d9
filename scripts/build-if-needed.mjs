// `npm start` builds first when dist/ is missing or older than any source file: the server
// (tsc) and the console (vite, from ui/ and the shared modules it imports) separately.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}
const older = (file, sources) => !existsSync(file) || statSync(file).mtimeMs < Math.max(...sources);
const pkg = statSync('package.json').mtimeMs;

if (older('dist/src/main.js', [newest('src'), pkg])) {
  process.stdout.write('rankway: building (tsc)...\n');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
// The console imports one pure module from src/ (the ranking agreement functions): it counts too.
if (existsSync('ui') && older('dist/ui/index.html', [newest('ui'), statSync('src/core/rerank/agreement.ts').mtimeMs, pkg])) {
  process.stdout.write('rankway: building the console (vite)...\n');
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'ui/vite.config.ts'], { stdio: 'inherit' });
}
