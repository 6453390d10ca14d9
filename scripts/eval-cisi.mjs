// `npm run eval:cisi [-- extra rankway eval flags]`: local/bm25 on the CISI collection, read
// from the team's shared data beside the checkout (never committed). CISI_DIR overrides it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const dir = [process.env.CISI_DIR, '../shared/data/cisi', '../../shared/data/cisi'].find((d) => d && existsSync(`${d}/CISI.ALL`));
if (!dir) {
  console.error('eval:cisi: CISI not found in ../shared/data/cisi (set CISI_DIR to its directory)');
  process.exit(2);
}
const extra = process.argv.slice(2);
const models = extra.includes('--models') ? [] : ['--models', 'local/bm25'];
const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'eval', '--set', dir, ...models, ...extra], {
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
