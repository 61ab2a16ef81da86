import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { fixtureInput, inputOf, runAnalyzerContract } from './contract.ts';
import { goBinaryAnalyzer } from './go-binary.ts';
import { rustAnalyzer } from './rust.ts';
import type { AnalyzerInput } from './types.ts';

// dep-v0.json is cargo-auditable's JSON (its cargo-auditable.schema.json); the Mach-O files are
// made from it by make-macho.sh, and the ELF and PE executables below by binutils at run time.
const fixtures = fileURLToPath(new URL('../../../test/fixtures/rust-auditable/', import.meta.url));
const payloadJson = JSON.stringify(JSON.parse(readFileSync(join(fixtures, 'dep-v0.json'), 'utf8')));
const binutils = ['/usr/bin/objcopy', '/usr/bin/as', '/usr/bin/ld', '/usr/bin/readelf'].every(
  (tool) => existsSync(tool),
)
  ? false
  : 'binutils is not installed (apt-get install -y binutils)';

/** Runtime crates from registries and git; not cc (kind build) nor the local crates. */
const expectedCrates = [
  'internal-log@0.3.1',
  'json-patch@1.2.0',
  'libc@0.2.147',
  'smallvec@1.6.0',
  'time@0.1.43',
];

function executableInput(path: string, content: Buffer): AnalyzerInput {
  return inputOf({ [path]: content }, 'sha256:rust', 0o755);
}

async function analyzeExecutable(content: Buffer, path = '/usr/local/bin/hello') {
  return rustAnalyzer.analyze(executableInput(path, content));
}

runAnalyzerContract({
  analyzer: rustAnalyzer,
  sample: () => {
    const files = new Map(fixtureInput('rust', 'sha256:rust').files);
    const macho = executableInput(
      '/usr/local/bin/hello',
      readFileSync(join(fixtures, 'x86_64.macho.o')),
    );
    for (const [path, file] of macho.files) files.set(path, file);
    return { files };
  },
});

describe('rust', () => {
  it('lists crates from a registry and leaves out workspace members', async () => {
    const result = await rustAnalyzer.analyze(fixtureInput('rust'));
    assert.deepEqual(
      result.components.map((c) => [c.name, c.version, c.ecosystem, c.purl]),
      [
        ['smallvec', '1.6.0', 'crates.io', 'pkg:cargo/smallvec@1.6.0'],
        ['time', '0.1.43', 'crates.io', 'pkg:cargo/time@0.1.43'],
      ],
    );
  });

  it('reports a package table without a version with its line', async () => {
    const lock = 'version = 3\n\n[[package]]\nname = "x"\nsource = "registry+y"\n';
    const result = await rustAnalyzer.analyze(inputOf({ '/a/Cargo.lock': lock }));
    assert.deepEqual(
      result.findings.map((f) => [f.code, f.line]),
      [['malformed-lockfile', 3]],
    );
  });

  it('keeps exactly the executables the Go binary analyser keeps', () => {
    const cases: [string, number, number][] = [
      ['/usr/local/bin/app', 4096, 0o755],
      ['/usr/lib/x86_64-linux-gnu/libfoo.so.1', 4096, 0o644],
      ['/opt/app/server', 300 * 1024 * 1024, 0o755],
      ['/bin/tiny', 10, 0o755],
      ['/proc/1/exe', 4096, 0o755],
    ];
    for (const [path, size, mode] of cases) {
      const info = { size, mode };
      assert.equal(rustAnalyzer.wants(path, info), goBinaryAnalyzer.wants(path, info), path);
    }
    assert.equal(rustAnalyzer.wants('/usr/local/bin/app', { size: 4096, mode: 0o755 }), true);
    assert.equal(rustAnalyzer.wants('/srv/Cargo.lock', { size: 4096, mode: 0o644 }), true);
  });
});

describe('cargo-auditable binaries', () => {
  let dir = '';
  const binaries = new Map<string, Buffer>();

  /** A copy of a real system binary with `payload` added as .dep-v0, as objcopy adds it. */
  function elfWith(payload: Buffer, base = '/usr/bin/true'): Buffer {
    const input = join(dir, 'payload');
    const output = join(dir, 'elf-with-payload');
    writeFileSync(input, payload);
    execFileSync('/usr/bin/objcopy', [
      '--add-section',
      `.dep-v0=${input}`,
      '--set-section-flags',
      '.dep-v0=noload,readonly',
      base,
      output,
    ]);
    return readFileSync(output);
  }

  /** Assembles and links `source` (the payload comes in with .incbin) with GNU as and ld. */
  function link(name: string, source: string, asArgs: string[], ldArgs: string[]): Buffer {
    writeFileSync(join(dir, `${name}.s`), source);
    execFileSync('/usr/bin/as', [...asArgs, '-o', join(dir, `${name}.o`), join(dir, `${name}.s`)]);
    execFileSync('/usr/bin/ld', [...ldArgs, '-o', join(dir, name), join(dir, `${name}.o`)]);
    return readFileSync(join(dir, name));
  }

  before(() => {
    binaries.set('Mach-O 64-bit (llvm-mc)', readFileSync(join(fixtures, 'x86_64.macho.o')));
    binaries.set('Mach-O 32-bit (llvm-mc)', readFileSync(join(fixtures, 'i386.macho.o')));
    if (binutils !== false) return;
    dir = mkdtempSync(join(tmpdir(), 'palisade-rust-'));
    const payload = join(dir, 'dep-v0.zlib');
    writeFileSync(payload, deflateSync(payloadJson));
    binaries.set('ELF 64-bit (objcopy onto /usr/bin/true)', elfWith(deflateSync(payloadJson)));
    const entry = '.text\n.globl _start\n_start:\n ret\n';
    // cargo-auditable's ELF section has no flags; its COFF one is read-only data.
    binaries.set(
      'ELF 32-bit (as, ld)',
      link(
        'elf32',
        `${entry}.section .dep-v0\n.incbin "${payload}"\n`,
        ['--32'],
        ['-m', 'elf_i386'],
      ),
    );
    binaries.set(
      'PE32+ (as, ld -m i386pep)',
      link(
        'pe',
        `${entry}.section .dep-v0,"a"\n.incbin "${payload}"\n`,
        [],
        ['-m', 'i386pep', '--subsystem', 'console', '-e', '_start'],
      ),
    );
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('reads the same runtime crates from Mach-O executables', async () => {
    for (const [format, binary] of binaries) {
      if (!format.startsWith('Mach-O')) continue;
      const result = await analyzeExecutable(binary);
      assert.deepEqual(result.findings, [], format);
      assert.deepEqual(
        result.components.map((c) => `${c.name}@${c.version}`),
        expectedCrates,
        format,
      );
    }
  });

  it('reads the same runtime crates from ELF and PE executables', { skip: binutils }, async () => {
    const formats = [...binaries.keys()].filter((format) => !format.startsWith('Mach-O'));
    assert.equal(formats.length, 3);
    for (const format of formats) {
      const result = await analyzeExecutable(binaries.get(format) ?? Buffer.alloc(0));
      assert.deepEqual(result.findings, [], format);
      assert.deepEqual(
        result.components.map((c) => `${c.name}@${c.version}`),
        expectedCrates,
        format,
      );
    }
  });

  it('reports crates as the Cargo.lock path does: crates.io ecosystem, cargo purl, the binary', async () => {
    const result = await analyzeExecutable(readFileSync(join(fixtures, 'x86_64.macho.o')));
    const smallvec = result.components.find((c) => c.name === 'smallvec');
    assert.deepEqual(smallvec, {
      type: 'cargo',
      name: 'smallvec',
      version: '1.6.0',
      ecosystem: 'crates.io',
      purl: 'pkg:cargo/smallvec@1.6.0',
      file: '/usr/local/bin/hello',
      layer: 'sha256:rust',
    });
  });

  it(
    'reports a root crate installed from crates.io, not a local one',
    { skip: binutils },
    async () => {
      const packages = [
        { name: 'ripgrep', version: '14.1.0', source: 'crates.io', root: true, dependencies: [1] },
        { name: 'memchr', version: '2.7.1', source: 'crates.io' },
        { name: 'grep-cli', version: '0.1.10', source: 'local' },
      ];
      const result = await analyzeExecutable(elfWith(deflateSync(JSON.stringify({ packages }))));
      assert.deepEqual(
        result.components.map((c) => c.name),
        ['ripgrep', 'memchr'],
      );
    },
  );

  it(
    'finds nothing, and reports nothing, in real executables without the section',
    { skip: binutils },
    async () => {
      const files: Record<string, Buffer> = {};
      for (const path of ['/usr/bin/true', '/usr/bin/env', '/usr/bin/objcopy', '/usr/bin/ld'])
        files[path] = readFileSync(path);
      const result = await rustAnalyzer.analyze(inputOf(files, 'sha256:sys', 0o755));
      assert.deepEqual(result, { components: [], findings: [] });
    },
  );

  it('reports a truncated ELF, naming the file', { skip: binutils }, async () => {
    const binary = elfWith(deflateSync(payloadJson));
    const result = await analyzeExecutable(binary.subarray(0, binary.length - 100), '/app/cut');
    assert.deepEqual(
      result.findings.map((f) => [f.code, f.file]),
      [['malformed-executable', '/app/cut']],
    );
    assert.match(result.findings[0]?.message ?? '', /section header table .* runs past the end/);
    assert.deepEqual(result.components, []);
  });

  it(
    'reports a .dep-v0 section whose offset lies beyond the file',
    { skip: binutils },
    async () => {
      const binary = elfWith(deflateSync(payloadJson));
      writeFileSync(join(dir, 'patched'), binary);
      // Where the section header is, from readelf rather than from our own reader.
      const header = execFileSync('/usr/bin/readelf', ['-h', join(dir, 'patched')], {
        encoding: 'utf8',
      });
      const sections = execFileSync('/usr/bin/readelf', ['-S', '-W', join(dir, 'patched')], {
        encoding: 'utf8',
      });
      const shoff = Number(/Start of section headers:\s+(\d+)/.exec(header)?.[1]);
      const index = Number(/\[\s*(\d+)\] \.dep-v0 /.exec(sections)?.[1]);
      assert.ok(Number.isInteger(shoff) && Number.isInteger(index));
      binary.writeBigUInt64LE(BigInt(binary.length + 4096), shoff + index * 64 + 24); // sh_offset
      const result = await analyzeExecutable(binary, '/app/moved');
      assert.deepEqual(
        result.findings.map((f) => [f.code, f.file]),
        [['malformed-executable', '/app/moved']],
      );
      assert.match(result.findings[0]?.message ?? '', /section \.dep-v0 .* runs past the end/);
    },
  );

  it('stops inflating a zlib bomb at 8 MiB and says so', { skip: binutils }, async () => {
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < 128 * 1024);
    const result = await analyzeExecutable(elfWith(bomb), '/app/bomb');
    assert.deepEqual(
      result.findings.map((f) => [f.code, f.file]),
      [['audit-data-too-large', '/app/bomb']],
    );
    assert.match(result.findings[0]?.message ?? '', /more than 8388608 bytes/);
  });

  it('reports section contents that are not zlib, UTF-8 or JSON', { skip: binutils }, async () => {
    const cases: [Buffer, RegExp][] = [
      [Buffer.from(payloadJson), /not a valid zlib stream/],
      [deflateSync(payloadJson).subarray(0, 40), /not a valid zlib stream/],
      [deflateSync(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), /not UTF-8/],
      [deflateSync('{"packages":['), /not JSON/],
      [deflateSync('[{"name":"x"}]'), /no "packages" array/],
      [deflateSync('{"packages":{"name":"x"}}'), /no "packages" array/],
    ];
    for (const [payload, message] of cases) {
      const result = await analyzeExecutable(elfWith(payload), '/app/bad');
      assert.deepEqual(result.components, []);
      assert.deepEqual(
        result.findings.map((f) => [f.code, f.file]),
        [['malformed-audit-data', '/app/bad']],
        String(message),
      );
      assert.match(result.findings[0]?.message ?? '', message);
      assert.match(result.findings[0]?.message ?? '', /ELF section \.dep-v0/);
    }
  });

  it(
    'skips malformed package entries one by one and keeps the rest',
    { skip: binutils },
    async () => {
      const packages = [
        { name: 'serde', version: '1.0.190', source: 'crates.io' },
        7,
        { name: 'no-version', source: 'crates.io' },
        { name: 'dev-kind', version: '1.0.0', source: 'crates.io', kind: 'dev' },
        { name: 'odd-root', version: '1.0.0', source: 'crates.io', root: 'yes' },
        { name: 'bytes', version: '1.5.0', source: 'crates.io', kind: 'runtime' },
      ];
      const result = await analyzeExecutable(elfWith(deflateSync(JSON.stringify({ packages }))));
      assert.deepEqual(
        result.components.map((c) => c.name),
        ['serde', 'bytes'],
      );
      assert.deepEqual(
        result.findings.map((f) => /packages\[(\d)\]/.exec(f.message)?.[1]),
        ['1', '2', '3', '4'],
      );
      assert.ok(result.findings.every((f) => f.code === 'malformed-audit-data'));
    },
  );

  it('never throws on any truncation of a real executable in any format', async () => {
    for (const [format, binary] of binaries) {
      const step = Math.max(1, Math.floor(binary.length / 97));
      for (let length = 0; length <= binary.length; length += step) {
        const result = await analyzeExecutable(binary.subarray(0, length));
        for (const f of result.findings) {
          assert.equal(f.file, '/usr/local/bin/hello', format);
          assert.match(f.code, /^(malformed-executable|malformed-audit-data)$/, format);
        }
      }
    }
  });
});
