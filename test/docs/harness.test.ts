// The README harness's own parts: a mistake here would let a broken example pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeConfigs } from './instances.js';
import { extractBlocks } from './markdown.js';
import { markShell, parseTranscript, rewrite } from './runners.js';
import { compareAnswer, isErrorAnswer, jsonValues, parseExpected } from './shape.js';

describe('README harness', () => {
  it('sorts blocks by fence language and the marker before them, under their heading path', () => {
    const md = [
      '# A',
      '## B',
      '```yaml',
      'models: []',
      '```',
      '<!-- not-runnable: needs a cluster -->',
      '```sh',
      'kubectl apply',
      '```',
      '<!-- file: ok.yaml -->',
      '```yaml',
      'server: {}',
      '```',
      '```json',
      '{}',
      '```',
      '<!-- output -->',
      '```sh',
      '$ not run',
      '```',
    ].join('\n');
    const blocks = extractBlocks('X.md', md);
    assert.deepEqual(
      blocks.map((b) => [b.kind, b.note, b.section]),
      [
        ['config', undefined, 'A > B'],
        ['not-runnable', 'needs a cluster', 'A > B'],
        ['file', 'ok.yaml', 'A > B'],
        ['output', undefined, 'A > B'],
        ['output', undefined, 'A > B'],
      ],
    );
    assert.throws(() => extractBlocks('X.md', '```rust\nfn main() {}\n```'), /unknown to the README harness/);
  });

  it('a wrong value in an answer is a problem; numbers and elided parts are not', () => {
    const shown = parseExpected('{"id":"…","model":"rerank-v3.5","latency":1.5,"results":[{"index":0}, …],"extra":{"a":1,…}}')!;
    const good = { id: 'x', model: 'rerank-v3.5', latency: 9, results: [{ index: 0 }, { index: 1 }], extra: { a: 2, b: 3 } };
    assert.deepEqual(compareAnswer(shown, [good]), []);
    assert.deepEqual(compareAnswer(shown, [{ ...good, model: 'cohere/rerank-v3.5' }]), [
      '$.model: expected "rerank-v3.5", got "cohere/rerank-v3.5"',
    ]);
    assert.deepEqual(compareAnswer(shown, [{ ...good, extra: undefined }]), ['$.extra: expected an object, got undefined']);
    assert.deepEqual(compareAnswer(shown, []), ['the example printed no JSON']);
  });

  it('an object elided whole ({...}) or from its start ({..., "k": v}) keeps only what it names', () => {
    const shown = parseExpected('{"config":{...},"extra_fields":{...,"arm":"control"}}')!;
    assert.deepEqual(compareAnswer(shown, [{ config: { a: 1 }, extra_fields: { chunk_index: 0, arm: 'control' } }]), []);
    assert.deepEqual(compareAnswer(shown, [{ config: { a: 1 }, extra_fields: { arm: 'treatment' } }]), [
      '$.extra_fields.arm: expected "control", got "treatment"',
    ]);
  });

  it('a fragment answer (leading …) matches anywhere; an elided list matches by containment', () => {
    const fragment = parseExpected('… {"model":"a","n":1} …')!;
    assert.deepEqual(
      compareAnswer(fragment, [
        {
          data: [
            { model: 'b', n: 1 },
            { model: 'a', n: 2 },
          ],
        },
      ]),
      [],
    );
    assert.equal(compareAnswer(fragment, [{ data: [{ model: 'b', n: 1 }] }]).length, 1);
    const list = parseExpected('{"data":[…, {"model":"a"}, …]}')!;
    assert.deepEqual(compareAnswer(list, [{ data: [{ model: 'b' }, { model: 'a' }] }]), []);
  });

  it('reads back-to-back JSON answers as curl prints them', () => {
    assert.deepEqual(jsonValues('{"a":1}{"b":"}"}\n[1]'), [{ a: 1 }, { b: '}' }, [1]]);
  });

  it('an error envelope is recognised, so an HTTP error is allowed only where the README shows one', () => {
    assert.ok(isErrorAnswer({ error: { code: 'x' } }));
    assert.ok(isErrorAnswer({ message: 'AWS says no' }));
    assert.ok(!isErrorAnswer({ results: [], model: 'm' }));
  });

  it('marks commented answers in shell blocks and splits transcripts into commands', () => {
    const marked = markShell('curl a\n# {"x":1,\n#  "y":2}\ncurl b');
    assert.deepEqual(
      marked.answers.map((a) => a.text),
      ['{"x":1, "y":2}'],
    );
    assert.match(marked.script, /^curl a\nprintf .*\ncurl b$/);
    assert.deepEqual(parseTranscript('$ a \\\n  b\nout\n$ c'), [
      { command: 'a \\\n  b', output: 'out' },
      { command: 'c', output: '' },
    ]);
  });

  it('swaps the README ports and vendor hosts for the test instance and fakes', () => {
    const t = {
      proxy: 'http://127.0.0.1:5',
      admin: 'http://127.0.0.1:6',
      hosts: new Map([['https://api.cohere.com', 'http://127.0.0.1:7']]),
    };
    assert.equal(
      rewrite('curl localhost:3000/v1 http://127.0.0.1:3001/x https://api.cohere.com/v2', t),
      'curl http://127.0.0.1:5/v1 http://127.0.0.1:6/x http://127.0.0.1:7/v2',
    );
  });

  it('merges a section configs, named entries by name', () => {
    const merged = mergeConfigs([
      { server: { auth: 'keys' }, models: [{ name: 'a', target: 'x/1' }] },
      {
        server: { port: 1 },
        models: [
          { name: 'a', target: 'y/1' },
          { name: 'b', target: 'z/1' },
        ],
      },
    ]);
    assert.deepEqual(merged, {
      server: { auth: 'keys', port: 1 },
      models: [
        { name: 'a', target: 'y/1' },
        { name: 'b', target: 'z/1' },
      ],
    });
  });
});
