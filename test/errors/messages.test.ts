import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, MESSAGES, formatMessage, type MessageId } from '../../src/errors/codes.js';
import { coded } from '../../src/errors/gateway-error.js';

describe('message templates beside the codes', () => {
  it('each template carries a code of the table', () => {
    for (const [id, m] of Object.entries(MESSAGES)) assert.ok(m.code in ERROR_CODES, `${id}: ${m.code}`);
  });

  it('fills every placeholder it is given, and the error carries the template code and status', () => {
    const err = coded('route_not_found', { method: 'GET', path: '/nope' });
    assert.equal(err.message, 'No route for GET /nope');
    assert.equal(err.code, 'route_not_found');
    assert.equal(err.status, 404);
    assert.equal(formatMessage('too_many_fallbacks', { count: 7, max: 5 }), 'fallbacks has 7 items; the maximum is 5');
    assert.equal(coded('invalid_admin_key').code, 'invalid_api_key');
    for (const id of Object.keys(MESSAGES) as MessageId[]) {
      const names = [...MESSAGES[id].text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const params = Object.fromEntries(names.map((n) => [n, `<${n}>`]));
      const text = formatMessage(id, (names.length ? params : undefined) as never);
      assert.doesNotMatch(text, /\{\w+\}/, `${id} leaves a placeholder unfilled`);
    }
  });
});
