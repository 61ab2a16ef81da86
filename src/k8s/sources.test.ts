import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { defaultParseLimits, readManifests } from './index.ts';

const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n`;

function podNames(objects: readonly { body: Record<string, unknown> }[]): string[] {
  return objects.map((o) => (o.body.metadata as { name: string }).name);
}

describe('readManifests', () => {
  let dir = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'palisade-sources-'));
    await mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
    await writeFile(join(dir, 'b.yaml'), pod('b'));
    await writeFile(join(dir, 'a.yml'), pod('a'));
    await writeFile(
      join(dir, 'c.json'),
      JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'c' } }),
    );
    await writeFile(join(dir, 'README.md'), pod('markdown-is-not-read'));
    await writeFile(join(dir, 'notes.txt'), pod('text-is-not-read'));
    await writeFile(join(dir, 'UPPER.YAML'), pod('upper'));
    await writeFile(join(dir, 'nested', 'd.yaml'), pod('d'));
    await writeFile(join(dir, 'nested', 'deeper', 'e.yaml'), `${pod('e1')}---\n${pod('e2')}`);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a directory recursively, only .yaml, .yml and .json files, in sorted order', async () => {
    const set = await readManifests([dir], { baseDir: dir });
    assert.deepEqual(set.files, [
      'UPPER.YAML',
      'a.yml',
      'b.yaml',
      'c.json',
      'nested/d.yaml',
      'nested/deeper/e.yaml',
    ]);
    assert.deepEqual(podNames(set.objects), ['upper', 'a', 'b', 'c', 'd', 'e1', 'e2']);
    assert.deepEqual(set.problems, []);
  });

  it('names files relative to baseDir and gives each object its file and line', async () => {
    const set = await readManifests([join(dir, 'nested')], { baseDir: dir });
    assert.deepEqual(
      set.objects.map((o) => `${o.source.file}:${o.source.line}`),
      ['nested/d.yaml:1', 'nested/deeper/e.yaml:1', 'nested/deeper/e.yaml:6'],
    );
  });

  it('keeps absolute paths when no baseDir is given', async () => {
    const set = await readManifests([join(dir, 'b.yaml')]);
    assert.deepEqual(set.files, [join(dir, 'b.yaml')]);
  });

  it('turns a missing path into a problem and still reads the other paths', async () => {
    const missing = join(dir, 'does-not-exist.yaml');
    const set = await readManifests([missing, join(dir, 'a.yml')]);
    assert.deepEqual(podNames(set.objects), ['a']);
    assert.equal(set.problems.length, 1);
    const [problem] = set.problems;
    assert.equal(problem?.level, 'error');
    assert.equal(problem?.code, 'input-unreadable');
    assert.equal(problem?.file, missing);
    assert.match(problem?.message ?? '', /no such file/);
  });

  it('reads stdin from the stream passed as options.stdin for "-"', async () => {
    const stdin = Readable.from([
      Buffer.from(pod('from-stdin')),
      Buffer.from(`---\n${pod('two')}`),
    ]);
    const set = await readManifests(['-'], { stdin });
    assert.deepEqual(podNames(set.objects), ['from-stdin', 'two']);
    assert.deepEqual(
      set.objects.map((o) => `${o.source.file}:${o.source.line}`),
      ['<stdin>:1', '<stdin>:6'],
    );
  });

  it('reports stdin larger than maxInputBytes as a problem without parsing it', async () => {
    const limits = { ...defaultParseLimits, maxInputBytes: 64 };
    const stdin = Readable.from([Buffer.from(pod('x'.repeat(100)))]);
    const set = await readManifests(['-'], { stdin, limits });
    assert.deepEqual(set.objects, []);
    assert.deepEqual(
      set.problems.map((p) => [p.level, p.code, p.file]),
      [['error', 'input-too-large', '<stdin>']],
    );
  });

  it('reports a file larger than maxInputBytes as a problem and reads the smaller files', async () => {
    const big = join(dir, 'nested', 'big.yaml');
    await writeFile(big, pod('x'.repeat(500)));
    try {
      const limits = { ...defaultParseLimits, maxInputBytes: 200 };
      const set = await readManifests([join(dir, 'nested')], { baseDir: dir, limits });
      assert.deepEqual(podNames(set.objects), ['d', 'e1', 'e2']);
      assert.deepEqual(
        set.problems.map((p) => [p.level, p.code, p.file]),
        [['error', 'input-too-large', 'nested/big.yaml']],
      );
      assert.match(set.problems[0]?.message ?? '', /200 bytes/);
    } finally {
      await rm(big);
    }
  });

  it('reports binary and invalid UTF-8 files as problems and keeps reading the directory', async () => {
    const binary = join(dir, 'nested', 'a-binary.yaml');
    const latin1 = join(dir, 'nested', 'b-latin1.yaml');
    await writeFile(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x00]));
    await writeFile(
      latin1,
      Buffer.from('apiVersion: v1\nkind: Pod\nmetadata: {name: caf\xe9}\n', 'latin1'),
    );
    try {
      const set = await readManifests([join(dir, 'nested')], { baseDir: dir });
      assert.deepEqual(podNames(set.objects), ['d', 'e1', 'e2']);
      assert.deepEqual(
        set.problems.map((p) => [p.code, p.file, p.line]),
        [
          ['input-binary', 'nested/a-binary.yaml', 1],
          ['input-encoding', 'nested/b-latin1.yaml', 3],
        ],
      );
    } finally {
      await rm(binary);
      await rm(latin1);
    }
  });
});
