// The `palisade` executable itself, run as a shell runs it (through its #! line), not through
// process.execPath as the other CLI tests do.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const bin = new URL('../bin/palisade', import.meta.url).pathname;

describe('bin/palisade', () => {
  it('runs from its #! line', async () => {
    const { stdout } = await promisify(execFile)(bin, ['--version']);
    const { version } = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    assert.equal(stdout.trim(), version);
  });

  it('gives node the young generation image scans are measured with', () => {
    const [shebang] = readFileSync(bin, 'utf8').split('\n');
    assert.equal(shebang, '#!/usr/bin/env -S node --max-semi-space-size=64');
    const scripts = (
      JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    assert.match(scripts['start'] ?? '', /node --max-semi-space-size=64 bin\/palisade serve/);
    assert.match(scripts['bench'] ?? '', /node --max-semi-space-size=64 /);
  });
});
