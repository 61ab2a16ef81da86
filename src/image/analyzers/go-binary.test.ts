import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inputOf, runAnalyzerContract } from './contract.ts';
import { goBinaryAnalyzer } from './go-binary.ts';
import { readGoBuildInfo, stdlibVersion } from './go-buildinfo.ts';

// runtime/debug mod.go sentinels around the module info.
const infoStart = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const infoEnd = Buffer.from('f932433186182072008242104116d8f2', 'hex');
const modInfo = [
  'path\texample.com/app/cmd/server',
  'mod\texample.com/app\tv1.4.0\th1:abc=',
  'dep\tgolang.org/x/net\tv0.17.0\th1:def=',
  'dep\tgithub.com/gorilla/mux\tv1.8.0',
  '=>\tgithub.com/fork/mux\tv1.8.1\th1:ghi=',
  'dep\tgolang.org/x/sys\tv0.0.0-20220310020820-b874c991c1a5\th1:jkl=',
  'build\t-compiler=gc',
  '',
].join('\n');
const wrapped = Buffer.concat([infoStart, Buffer.from(modInfo), infoEnd]);

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/** A Go 1.18+ binary: padding, then the 32-byte header with flag 2 and inline strings. */
function inlineBinary(goVersion: string): Buffer {
  const header = Buffer.alloc(32);
  header.write('\xff Go buildinf:', 0, 'latin1');
  header[14] = 8;
  header[15] = 2;
  const version = Buffer.from(goVersion);
  return Buffer.concat([
    Buffer.alloc(4096, 0x90),
    header,
    varint(version.length),
    version,
    varint(wrapped.length),
    wrapped,
    Buffer.alloc(64),
  ]);
}

/** A pre-1.18 ELF64 binary: one PT_LOAD mapping vaddr 0x400000 to offset 0, pointer format. */
function pointerBinary(goVersion: string): Buffer {
  const base = 0x400000n;
  const file = Buffer.alloc(8192);
  file.writeUInt32BE(0x7f454c46, 0);
  file[4] = 2; // ELFCLASS64
  file[5] = 1; // little endian
  file.writeBigUInt64LE(64n, 32); // e_phoff
  file.writeUInt16LE(56, 54); // e_phentsize
  file.writeUInt16LE(1, 56); // e_phnum
  file.writeUInt32LE(1, 64); // PT_LOAD
  file.writeBigUInt64LE(0n, 64 + 8); // p_offset
  file.writeBigUInt64LE(base, 64 + 16); // p_vaddr
  file.writeBigUInt64LE(BigInt(file.length), 64 + 32); // p_filesz
  const at = 1024;
  file.write('\xff Go buildinf:', at, 'latin1');
  file[at + 14] = 8;
  file[at + 15] = 0;
  const versionHeader = 2048;
  const modHeader = 2064;
  file.writeBigUInt64LE(base + BigInt(versionHeader), at + 16);
  file.writeBigUInt64LE(base + BigInt(modHeader), at + 24);
  const versionData = 3000;
  const modData = 3100;
  file.write(goVersion, versionData);
  wrapped.copy(file, modData);
  file.writeBigUInt64LE(base + BigInt(versionData), versionHeader);
  file.writeBigUInt64LE(BigInt(goVersion.length), versionHeader + 8);
  file.writeBigUInt64LE(base + BigInt(modData), modHeader);
  file.writeBigUInt64LE(BigInt(wrapped.length), modHeader + 8);
  return file;
}

runAnalyzerContract({
  analyzer: goBinaryAnalyzer,
  sample: () => inputOf({ '/usr/local/bin/server': inlineBinary('go1.21.5') }, 'sha256:go', 0o755),
});

describe('Go binaries', () => {
  const expected = [
    ['example.com/app', 'v1.4.0'],
    ['golang.org/x/net', 'v0.17.0'],
    ['github.com/gorilla/mux', 'v1.8.1'],
    ['golang.org/x/sys', 'v0.0.0-20220310020820-b874c991c1a5'],
  ];

  it('reads Go 1.18+ inline build info: main module, deps with replacements, stdlib', async () => {
    const result = await goBinaryAnalyzer.analyze(
      inputOf({ '/bin/server': inlineBinary('go1.21.5 X:boringcrypto') }, 'sha256:go', 0o755),
    );
    assert.deepEqual(result.findings, []);
    assert.deepEqual(
      result.components.map((c) => [c.name, c.version]),
      [...expected, ['stdlib', '1.21.5']],
    );
    assert.equal(result.components[2]?.purl, 'pkg:golang/github.com/gorilla/mux@v1.8.1');
    assert.equal(result.components[0]?.ecosystem, 'Go');
  });

  it('reads pre-1.18 pointer build info through the ELF program headers', () => {
    const info = readGoBuildInfo(pointerBinary('go1.16.15'));
    assert.equal(info?.goVersion, 'go1.16.15');
    assert.equal(info?.path, 'example.com/app/cmd/server');
    assert.deepEqual(
      info?.deps.map((d) => [d.path, d.version]),
      expected.slice(1),
    );
  });

  it('ignores executables that are not Go and non-executable files', async () => {
    const result = await goBinaryAnalyzer.analyze(
      inputOf({ '/bin/sh': Buffer.alloc(4096, 1) }, 'sha256:x', 0o755),
    );
    assert.deepEqual(result, { components: [], findings: [] });
    assert.equal(goBinaryAnalyzer.wants('/data/blob', { size: 4096, mode: 0o644 }), false);
    assert.equal(
      goBinaryAnalyzer.wants('/bin/huge', { size: 1024 * 1024 * 1024, mode: 0o755 }),
      false,
    );
  });

  it('reports build info whose string runs past the end', async () => {
    const binary = inlineBinary('go1.21.5');
    const truncated = binary.subarray(0, 4096 + 32 + 12);
    const result = await goBinaryAnalyzer.analyze(
      inputOf({ '/bin/t': truncated }, 'sha256:x', 0o755),
    );
    assert.deepEqual(
      result.findings.map((f) => f.code),
      ['malformed-buildinfo'],
    );
  });

  it('turns Go release names into OSV stdlib versions', () => {
    assert.equal(stdlibVersion('go1.22rc1'), '1.22.0-rc.1');
    assert.equal(stdlibVersion('go1.21'), '1.21.0');
    assert.equal(stdlibVersion('devel +abc'), undefined);
  });
});
