import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startRankway, type RankwayProcess } from '../helpers/process.js';
import { pgSchema, type PgSchema } from '../helpers/services.js';

const BODY = JSON.stringify({
  model: 'local/bm25',
  query: 'rotate keys',
  documents: ['Rotate keys in the admin API.', 'Budgets refill monthly.'],
});

/** `n` rerank requests, `concurrency` at a time; resolves with the statuses once every answer is read. */
async function burst(url: string, n: number, concurrency = 16): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const res = await fetch(`${url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
    }),
  );
  return statuses;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The journal backlog the process reports in its metrics. */
async function journaled(rw: RankwayProcess): Promise<number> {
  const text = await (await fetch(`${rw.adminUrl}/metrics`)).text();
  return Number(/^rankway_usage_journal_records (\d+)/m.exec(text)![1]);
}

const killed = (rw: RankwayProcess): Promise<void> =>
  new Promise((resolve) => {
    rw.child.once('exit', () => resolve());
    rw.child.kill('SIGKILL');
  });

interface Backend {
  readonly name: string;
  env(dataDir: string): Promise<NodeJS.ProcessEnv | string>;
  count(): Promise<number>;
}

describe('usage records survive the process', () => {
  const dirs: string[] = [];
  const schemas: PgSchema[] = [];
  after(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    for (const s of schemas) await s.drop();
  });
  const dataDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'rankway-durable-'));
    dirs.push(d);
    return d;
  };

  const sqlite = (): Backend => {
    let dir = '';
    return {
      name: 'sqlite',
      async env(d) {
        dir = d;
        return { RANKWAY_DATA_DIR: d };
      },
      async count() {
        const db = new Database(join(dir, 'rankway.db'), { readonly: true, fileMustExist: true });
        try {
          return (db.prepare('SELECT COUNT(*) AS n FROM usage_records').get() as { n: number }).n;
        } finally {
          db.close();
        }
      },
    };
  };
  const postgres = (): Backend => {
    let schema: PgSchema | undefined;
    return {
      name: 'postgres',
      async env(d) {
        const s = await pgSchema();
        if (typeof s === 'string') return s;
        schemas.push(s);
        schema = s;
        return { RANKWAY_DATA_DIR: d, DATABASE_URL: s.url };
      },
      async count() {
        return Number((await schema!.query(`SELECT COUNT(*) AS n FROM ${schema!.schema}.usage_records`)).rows[0].n);
      },
    };
  };

  for (const make of [sqlite, postgres]) {
    it(`${make().name}: SIGKILL right after 1,000 answered requests, then a restart: exactly 1,000 records`, async (t) => {
      const backend = make();
      const env = await backend.env(dataDir());
      if (typeof env === 'string') return t.skip(env);
      const first = await startRankway(env);
      let statuses: number[];
      try {
        statuses = await burst(first.url, 1000);
      } finally {
        await killed(first);
      }
      assert.equal(statuses.filter((s) => s === 200).length, 1000);

      const second = await startRankway(env);
      try {
        await until('the journal to be written', async () => ((await journaled(second)) === 0 ? true : undefined));
        assert.equal(await backend.count(), 1000);
      } finally {
        await second.stop();
      }
      assert.equal(await backend.count(), 1000, 'nothing written twice on a clean stop either');
    });
  }

  it('a store failing at SIGTERM: records stay in the journal, the log says how many, the next start writes them', async (t) => {
    const backend = postgres();
    const dir = dataDir();
    const env = await backend.env(dir);
    if (typeof env === 'string') return t.skip(env);
    const schema = schemas[schemas.length - 1];
    const rw = await startRankway(env);
    // The table vanishes (as a full disk or a broken database would refuse writes).
    await schema.query(`ALTER TABLE ${schema.schema}.usage_records RENAME TO usage_records_away`);
    assert.deepEqual(new Set(await burst(rw.url, 300)), new Set([200]));
    assert.equal((await fetch(`${rw.adminUrl}/readyz`)).status, 200, 'a store outage alone does not fail readiness');
    assert.equal(await rw.stop(), 0);
    const line = rw
      .output()
      .split('\n')
      .find((l) => l.includes('stay in the journal; the next start writes them'));
    assert.ok(line, rw.output());
    assert.equal(JSON.parse(line).journaled, 300);
    assert.ok(readdirSync(join(dir, 'usage-journal')).length > 0);

    await schema.query(`ALTER TABLE ${schema.schema}.usage_records_away RENAME TO usage_records`);
    const next = await startRankway(env);
    try {
      await until('the journal to be written', async () => ((await journaled(next)) === 0 ? true : undefined));
      assert.equal(await backend.count(), 300);
    } finally {
      await next.stop();
    }
  });

  it('the journal cap: readiness fails near it, requests get 503 at it, and nothing is dropped', async (t) => {
    const backend = postgres();
    const dir = dataDir();
    const env = await backend.env(dir);
    if (typeof env === 'string') return t.skip(env);
    const schema = schemas[schemas.length - 1];
    const config = join(dir, 'rankway.yaml');
    writeFileSync(config, 'storage:\n  usage_journal:\n    max_bytes: 40000\n');
    const rw = await startRankway({ ...env, RANKWAY_CONFIG: config });
    try {
      await schema.query(`ALTER TABLE ${schema.schema}.usage_records RENAME TO usage_records_away`);
      const statuses = await burst(rw.url, 400, 4);
      const served = statuses.filter((s) => s === 200).length;
      assert.ok(served > 0 && served < 400, `served ${served}`);
      assert.ok(statuses.every((s) => s === 200 || s === 503));
      assert.equal((await fetch(`${rw.adminUrl}/readyz`)).status, 503);
      const refused = await fetch(`${rw.url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
      assert.equal(refused.status, 503);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'usage_journal_full');
      assert.ok(refused.headers.get('retry-after'));
      assert.equal(await journaled(rw), served, 'every served request is journaled');

      // The store comes back: the backlog drains, readiness returns, every served request is stored.
      await schema.query(`ALTER TABLE ${schema.schema}.usage_records_away RENAME TO usage_records`);
      await until('the backlog to drain', async () => ((await journaled(rw)) === 0 ? true : undefined), 60_000);
      assert.equal(await backend.count(), served);
      assert.equal((await fetch(`${rw.adminUrl}/readyz`)).status, 200);
    } finally {
      await rw.stop();
    }
  });
});
