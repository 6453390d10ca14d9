import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { DependencyRegistry } from '../../src/observability/health.js';
import { createLogger } from '../../src/observability/log.js';

function memoryLogger() {
  const lines: any[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('dependency registry', () => {
  it('logs one line per change of state: down as a warning, back up as info, nothing while it stays', async () => {
    const { lines, logger } = memoryLogger();
    const registry = new DependencyRegistry(logger, 50);
    let up = true;
    registry.register({ name: 'database', probe: () => ({ up, detail: up ? undefined : 'unreachable' }) });
    await registry.probe();
    await registry.probe();
    up = false;
    await registry.probe();
    await registry.probe();
    await registry.probe();
    up = true;
    await registry.probe();
    await registry.probe();
    await tick();
    const changes = lines.filter((l) => l.dependency === 'database');
    assert.deepEqual(
      changes.map((l) => [l.level, l.msg]),
      [
        [40, 'dependency down: serving degraded'],
        [30, 'dependency up again'],
      ],
    );
    assert.equal(registry.isUp('database'), true);
  });

  it('a probe that throws or hangs is down, with a generic reason', async () => {
    const registry = new DependencyRegistry(createLogger({ level: 'silent' }), 30);
    registry.register({
      name: 'thrower',
      probe: () => {
        throw new Error('connect ECONNREFUSED postgres://user:pw@db:5432');
      },
    });
    registry.register({ name: 'hang', probe: () => new Promise(() => undefined) });
    const reports = await registry.probe();
    const byName = Object.fromEntries(reports.map((r) => [r.name, r]));
    assert.deepEqual([byName.thrower.up, byName.thrower.detail], [false, 'unreachable']);
    assert.deepEqual([byName.hang.up, byName.hang.detail], [false, 'timed out']);
  });

  it('owners may report state themselves (a limiter falling back to per-instance limits)', async () => {
    const { lines, logger } = memoryLogger();
    const registry = new DependencyRegistry(logger);
    registry.report('limits_shared', { up: true, detail: 'shared' });
    registry.report('limits_shared', { up: false, detail: 'local' });
    registry.report('limits_shared', { up: false, detail: 'local' });
    await tick();
    assert.equal(lines.filter((l) => l.dependency === 'limits_shared').length, 1);
    assert.deepEqual(
      registry.current().map((r) => [r.name, r.up, r.detail]),
      [['limits_shared', false, 'local']],
    );
    assert.throws(() => {
      registry.register({ name: 'x', probe: () => ({ up: true }) });
      registry.register({ name: 'x', probe: () => ({ up: true }) });
    }, /already registered/);
  });
});
