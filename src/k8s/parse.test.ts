import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeManifestBytes, defaultParseLimits, parseManifestText } from './index.ts';
import type { ParseLimits, ParseResult } from './index.ts';
import { parseManifestBytes } from './sources.ts';

function names(result: ParseResult): string[] {
  return result.objects.map((o) => {
    const metadata = o.body.metadata as { name?: string } | undefined;
    return `${o.kind}/${metadata?.name ?? ''}@${o.source.line}`;
  });
}

function errors(result: ParseResult) {
  return result.problems.filter((p) => p.level === 'error');
}

/** Runs `work` and fails when it takes longer than `ms`: hostile input must not hang the parser. */
function fast<T>(ms: number, work: () => T): T {
  const start = performance.now();
  const value = work();
  const elapsed = performance.now() - start;
  assert.ok(elapsed < ms, `took ${Math.round(elapsed)} ms (limit ${ms} ms)`);
  return value;
}

const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n`;

describe('parseManifestText', () => {
  it('reads every document of a multi-document YAML stream with its 1-based line', () => {
    const text = [pod('a'), pod('b'), '# a comment\n' + pod('c')].join('---\n');
    const result = parseManifestText(text, 'multi.yaml');
    assert.deepEqual(names(result), ['Pod/a@1', 'Pod/b@6', 'Pod/c@12']);
    assert.deepEqual(result.problems, []);
    for (const object of result.objects) assert.equal(object.source.file, 'multi.yaml');
  });

  it('keeps the apiVersion, kind and whole body of each object', () => {
    const result = parseManifestText(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n',
      'd.yaml',
    );
    const [object] = result.objects;
    assert.ok(object);
    assert.equal(object.apiVersion, 'apps/v1');
    assert.equal(object.kind, 'Deployment');
    assert.deepEqual(object.body.spec, { replicas: 3 });
  });

  it('reads JSON documents, giving List items the line where each item starts', () => {
    const json = JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } },
          { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b' } },
        ],
      },
      null,
      2,
    );
    const result = parseManifestText(json, 'list.json');
    assert.deepEqual(names(result), ['Pod/a@5', 'Service/b@12']);
    assert.deepEqual(result.problems, []);
  });

  it('unrolls a kind: List in YAML into its items with their own lines', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: v1',
      '  kind: ConfigMap',
      '  metadata: {name: one}',
      '# between items',
      '- apiVersion: v1',
      '  kind: Secret',
      '  metadata: {name: two}',
      '',
    ].join('\n');
    assert.deepEqual(names(parseManifestText(text, 'l.yaml')), ['ConfigMap/one@4', 'Secret/two@8']);
  });

  it('gives items of a typed list (DeploymentList) the list kind without the List suffix', () => {
    const text = [
      'apiVersion: apps/v1',
      'kind: DeploymentList',
      'items:',
      '- metadata:',
      '    name: a',
      '- metadata:',
      '    name: b',
      '',
    ].join('\n');
    const result = parseManifestText(text, 'dl.yaml');
    assert.deepEqual(names(result), ['Deployment/a@4', 'Deployment/b@6']);
    for (const object of result.objects) assert.equal(object.apiVersion, 'apps/v1');
  });

  it('keeps an item’s own apiVersion and kind inside a typed list', () => {
    const text =
      'apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- apiVersion: apps/v1beta2\n  kind: Deployment\n  metadata: {name: a}\n';
    const [object] = parseManifestText(text, 'dl.yaml').objects;
    assert.equal(object?.apiVersion, 'apps/v1beta2');
  });

  it('reads CRLF line endings with the same line numbers as LF', () => {
    const lf = [pod('a'), pod('b')].join('---\n');
    const crlf = lf.replace(/\n/g, '\r\n');
    const result = parseManifestText(crlf, 'crlf.yaml');
    assert.deepEqual(names(result), ['Pod/a@1', 'Pod/b@6']);
    assert.equal((result.objects[0]?.body.metadata as { name: string }).name, 'a');
  });

  it('reads a file that starts with a UTF-8 byte-order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(pod('bom'))]);
    const decoded = decodeManifestBytes(bytes, 'bom.yaml');
    assert.ok('text' in decoded);
    assert.ok(!decoded.text.startsWith('\ufeff'));
    assert.deepEqual(names(parseManifestBytes(bytes, 'bom.yaml')), ['Pod/bom@1']);
    assert.deepEqual(names(parseManifestText(`\ufeff${pod('bom')}`, 'bom.yaml')), ['Pod/bom@1']);
  });

  it('ignores comments and the line they take when numbering objects', () => {
    const text = `# header\n# more\n${pod('a')}# trailing\n---\n# leading\n\n${pod('b')}`;
    assert.deepEqual(names(parseManifestText(text, 'c.yaml')), ['Pod/a@3', 'Pod/b@11']);
  });

  it('ignores empty documents and comment-only documents without a problem', () => {
    const text = `---\n---\n# nothing here\n---\n${pod('a')}---\n`;
    const result = parseManifestText(text, 'e.yaml');
    assert.deepEqual(names(result), ['Pod/a@5']);
    assert.deepEqual(result.problems, []);
  });

  it('skips documents that are not Kubernetes objects with a note naming the line', () => {
    const text = `foo: bar\n---\n- a\n- b\n---\n42\n---\nkind: Pod\n---\n${pod('ok')}`;
    const result = parseManifestText(text, 'n.yaml');
    assert.deepEqual(names(result), ['Pod/ok@10']);
    assert.deepEqual(
      result.problems.map((p) => [p.level, p.code, p.line]),
      [
        ['note', 'not-kubernetes-object', 1],
        ['note', 'not-kubernetes-object', 3],
        ['note', 'not-kubernetes-object', 6],
        ['note', 'not-kubernetes-object', 8],
      ],
    );
    assert.match(result.problems[1]?.message ?? '', /sequence/);
  });
});

describe('parseManifestText on hostile input', () => {
  it('stops a YAML alias bomb with an error naming the document, and reads the other documents', () => {
    const levels = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    const lines = levels.map((name, i) => {
      const previous = i === 0 ? '"lol"' : `*${levels[i - 1] ?? ''}`;
      return `  ${name}: &${name} [${Array.from({ length: 9 }, () => previous).join(', ')}]`;
    });
    const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${lines.join('\n')}\n`;
    const text = `${pod('before')}---\n${bomb}---\n${pod('after')}`;
    const result = fast(5000, () => parseManifestText(text, 'bomb.yaml'));
    assert.deepEqual(names(result), ['Pod/before@1', 'Pod/after@20']);
    const [error] = errors(result);
    assert.ok(error, 'no error reported for the alias bomb');
    assert.equal(error.file, 'bomb.yaml');
    assert.equal(error.line, 6);
    assert.match(error.message, /alias/);
  });

  it('rejects a document over maxDocumentBytes and keeps the smaller ones', () => {
    const limits: ParseLimits = { ...defaultParseLimits, maxDocumentBytes: 200 };
    const big = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  blob: "${'x'.repeat(500)}"\n`;
    const text = `${pod('small')}---\n${big}---\n${pod('tail')}`;
    const result = parseManifestText(text, 'big.yaml', limits);
    assert.deepEqual(names(result), ['Pod/small@1', 'Pod/tail@12']);
    assert.deepEqual(
      errors(result).map((p) => [p.code, p.file, p.line]),
      [['document-too-large', 'big.yaml', 6]],
    );
    assert.match(errors(result)[0]?.message ?? '', /200 bytes/);
  });

  it('rejects a whole input over maxInputBytes with an error', () => {
    const limits: ParseLimits = { ...defaultParseLimits, maxInputBytes: 50 };
    const result = parseManifestText(
      pod('a') + pod('b').replace('Pod', 'Pod2'),
      'huge.yaml',
      limits,
    );
    assert.deepEqual(result.objects, []);
    assert.deepEqual(
      errors(result).map((p) => [p.code, p.file]),
      [['input-too-large', 'huge.yaml']],
    );
  });

  it('rejects nesting deeper than maxDepth and reads the next document', () => {
    const limits: ParseLimits = { ...defaultParseLimits, maxDepth: 5 };
    const deep = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: {a: {b: {c: {d: {e: 1}}}}}\n`;
    const shallow = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shallow}\ndata: {a: {b: 1}}\n`;
    const result = parseManifestText(`${deep}---\n${shallow}`, 'deep.yaml', limits);
    assert.deepEqual(names(result), ['ConfigMap/shallow@6']);
    assert.deepEqual(
      errors(result).map((p) => [p.code, p.line]),
      [['document-too-deep', 1]],
    );
    assert.match(errors(result)[0]?.message ?? '', /5 levels/);
  });

  it('survives 100000 nested flow sequences with an error, not a crash, and reads the rest', () => {
    const text = `${pod('before')}---\nx: ${'['.repeat(100_000)}\n---\n${pod('after')}`;
    const result = fast(10_000, () => parseManifestText(text, 'brackets.yaml'));
    assert.deepEqual(names(result), ['Pod/before@1', 'Pod/after@8']);
    const [error] = errors(result);
    assert.ok(error, 'no error for pathological nesting');
    assert.equal(error.file, 'brackets.yaml');
    assert.equal(error.line, 6);
    assert.match(error.message, /deep|nest/i);
  });

  it('survives balanced 100000-deep flow sequences inside an object', () => {
    const text = `apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n---\n${pod('after')}`;
    const result = fast(10_000, () => parseManifestText(text, 'balanced.yaml'));
    assert.deepEqual(names(result), ['Pod/after@6']);
    assert.equal(errors(result).length, 1);
    assert.match(errors(result)[0]?.message ?? '', /deep|nest/i);
  });

  it('reports duplicate keys as an error at the repeated key and keeps other documents', () => {
    const text = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\n---\n${pod('c')}`;
    const result = parseManifestText(text, 'dup.yaml');
    assert.deepEqual(names(result), ['Pod/c@7']);
    assert.deepEqual(
      errors(result).map((p) => [p.code, p.file, p.line]),
      [['yaml-invalid', 'dup.yaml', 5]],
    );
    assert.match(errors(result)[0]?.message ?? '', /unique/i);
  });

  it('reports a syntax error with its line and reads the documents around it', () => {
    const text = `${pod('a')}---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}}\n---\n${pod('c')}`;
    const result = parseManifestText(text, 'syntax.yaml');
    assert.deepEqual(names(result), ['Pod/a@1', 'Pod/c@10']);
    assert.deepEqual(
      errors(result).map((p) => [p.code, p.file, p.line]),
      [['yaml-invalid', 'syntax.yaml', 8]],
    );
  });

  it('reports invalid JSON as an error without objects', () => {
    const result = parseManifestText('{"apiVersion": "v1", "kind": "Pod",', 'bad.json');
    assert.deepEqual(result.objects, []);
    assert.equal(errors(result)[0]?.file, 'bad.json');
  });
});

describe('decodeManifestBytes', () => {
  it('rejects invalid UTF-8 with the line of the bad byte', () => {
    const bytes = Buffer.concat([
      Buffer.from('apiVersion: v1\nkind: Pod\nmetadata:\n  name: '),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\n'),
    ]);
    const decoded = decodeManifestBytes(bytes, 'latin.yaml');
    assert.ok('problem' in decoded);
    assert.deepEqual(
      [decoded.problem.level, decoded.problem.code, decoded.problem.file, decoded.problem.line],
      ['error', 'input-encoding', 'latin.yaml', 4],
    );
    assert.match(decoded.problem.message, /UTF-8/);
  });

  it('rejects a binary file (NUL bytes) with an error', () => {
    const bytes = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]);
    const result = parseManifestBytes(bytes, 'a.out');
    assert.deepEqual(result.objects, []);
    assert.deepEqual(
      result.problems.map((p) => [p.level, p.code, p.file, p.line]),
      [['error', 'input-binary', 'a.out', 1]],
    );
    assert.match(result.problems[0]?.message ?? '', /binary/);
  });

  it('accepts multi-byte UTF-8 text', () => {
    const decoded = decodeManifestBytes(Buffer.from('name: café ✓\n'), 'u.yaml');
    assert.ok('text' in decoded);
    assert.equal(decoded.text, 'name: café ✓\n');
  });
});
