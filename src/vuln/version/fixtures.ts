// Reads the version-ordering vectors of ../shared/vuln/version-fixtures ("A <op> B" per line;
// "#" and "//" lines and blank lines are comments) for the comparator tests.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const fixtureDir = fileURLToPath(
  new URL('../../../../shared/vuln/version-fixtures/', import.meta.url),
);
export const sharedVulnDir = fileURLToPath(new URL('../../../../shared/vuln/', import.meta.url));

export interface VersionVector {
  readonly a: string;
  readonly op: '<' | '=' | '>';
  readonly b: string;
  readonly line: number;
  readonly file: string;
}

/** The vectors of one file, or undefined when ../shared is absent. */
export function readVersionVectors(path: string): VersionVector[] | undefined {
  if (!existsSync(path)) return undefined;
  const out: VersionVector[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((raw, index) => {
    const line = raw.replace(/\t#.*$/, '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith('//')) return;
    const match = /^(\S+)\s+([<=>])\s+(\S+)$/.exec(line);
    if (match === null) throw new Error(`${path}:${index + 1}: not "A op B": ${line}`);
    const [, a = '', op = '=', b = ''] = match;
    out.push({ a, op: op as VersionVector['op'], b, line: index + 1, file: path });
  });
  return out;
}

/** The vectors a comparator gets wrong, as "file:line: A op B (got op')" strings. */
export function failingVectors(
  vectors: readonly VersionVector[],
  compare: (a: string, b: string) => number,
): string[] {
  const failures: string[] = [];
  for (const v of vectors) {
    const result = compare(v.a, v.b);
    const got = result < 0 ? '<' : result > 0 ? '>' : '=';
    if (got !== v.op)
      failures.push(`${v.file.split('/').pop()}:${v.line}: ${v.a} ${v.op} ${v.b} (got ${got})`);
  }
  return failures;
}
