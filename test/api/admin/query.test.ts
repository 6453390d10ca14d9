import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../../src/errors/gateway-error.js';
import { pageQuerySchema, paginate, parseQuery } from '../../../src/api/admin/common.js';
import { usageQuerySchema } from '../../../src/api/admin/usage.js';

/** The 400 a bad query string earns: message and the parameter it names. */
function rejection(run: () => unknown): { status: number; message: string; param: string | null } {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    return { status: err.status, message: err.message, param: err.param ?? null };
  }
  assert.fail('expected a 400');
}

describe('admin query strings (the zod schemas the OpenAPI document shows)', () => {
  const items = Array.from({ length: 7 }, (_, i) => i);

  it('pages with limit 100 and offset 0 by default, and ignores other parameters', () => {
    assert.deepEqual(paginate(items, {}), { object: 'list', data: items, has_more: false, next_offset: null });
    assert.deepEqual(paginate(items, { limit: '3', offset: '3', sort: 'name' }), {
      object: 'list',
      data: [3, 4, 5],
      has_more: true,
      next_offset: 6,
    });
    assert.deepEqual(parseQuery(pageQuerySchema, undefined), { limit: 100, offset: 0 });
  });

  it('rejects limits outside 1-500 and offsets that are not non-negative integers, naming the parameter', () => {
    for (const limit of ['0', '501', '2.5', 'ten', '', 'Infinity']) {
      assert.deepEqual(
        rejection(() => paginate(items, { limit })),
        { status: 400, message: 'limit must be an integer from 1 to 500', param: 'limit' },
        `limit=${limit}`,
      );
    }
    for (const offset of ['-1', '1.5', 'x']) {
      assert.deepEqual(
        rejection(() => paginate(items, { offset })),
        { status: 400, message: 'offset must be a non-negative integer', param: 'offset' },
        `offset=${offset}`,
      );
    }
  });

  it('reads usage grouping and dates: model by default, days at UTC midnight, empty dates unset', () => {
    const plain = parseQuery(usageQuerySchema, {});
    assert.deepEqual([plain.group_by, plain.from, plain.to], ['model', undefined, undefined]);
    assert.deepEqual(parseQuery(usageQuerySchema, { group_by: 'day', from: '2026-05-01', to: '2026-05-02T12:00:00+02:00' }), {
      group_by: 'day',
      from: '2026-05-01T00:00:00.000Z',
      to: '2026-05-02T10:00:00.000Z',
    });
    assert.equal(parseQuery(usageQuerySchema, { from: '' }).from, undefined);
  });

  it('rejects unknown groupings and dates it cannot read, naming the parameter', () => {
    assert.deepEqual(
      rejection(() => parseQuery(usageQuerySchema, { group_by: 'color' })),
      {
        status: 400,
        message: 'group_by must be one of key, model, provider, day',
        param: 'group_by',
      },
    );
    assert.deepEqual(
      rejection(() => parseQuery(usageQuerySchema, { to: 'yesterday' })),
      {
        status: 400,
        message: 'to must be a date (YYYY-MM-DD) or an ISO timestamp',
        param: 'to',
      },
    );
  });
});
