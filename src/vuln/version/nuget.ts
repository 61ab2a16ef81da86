// NuGet version ordering (NuGet.Versioning VersionComparer, learn.microsoft.com "Package
// versioning"): up to four numeric parts (missing ones are 0), then SemVer 2.0 prerelease
// labels compared case-insensitively; build metadata after '+' is ignored.

import type { VersionComparator } from './types.ts';
import { compareDigits } from './types.ts';

function parse(version: string): { parts: string[]; labels: string[] } {
  let text = version.trim().replace(/^v/i, '');
  const plus = text.indexOf('+');
  if (plus >= 0) text = text.slice(0, plus);
  const dash = text.indexOf('-');
  const core = dash < 0 ? text : text.slice(0, dash);
  const parts = core.split('.').map((p) => (/^\d+$/.test(p) ? p : '0'));
  while (parts.length < 4) parts.push('0');
  const labels =
    dash < 0
      ? []
      : text
          .slice(dash + 1)
          .toLowerCase()
          .split('.');
  return { parts, labels };
}

export function compareNuGetVersions(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  const n = Math.max(x.parts.length, y.parts.length);
  for (let i = 0; i < n; i++) {
    const c = compareDigits(x.parts[i] ?? '0', y.parts[i] ?? '0');
    if (c !== 0) return c;
  }
  if (x.labels.length === 0 || y.labels.length === 0) return y.labels.length - x.labels.length;
  const m = Math.min(x.labels.length, y.labels.length);
  for (let i = 0; i < m; i++) {
    const l = x.labels[i] ?? '';
    const r = y.labels[i] ?? '';
    const ln = /^\d+$/.test(l);
    const rn = /^\d+$/.test(r);
    const c = ln && rn ? compareDigits(l, r) : ln ? -1 : rn ? 1 : l < r ? -1 : l > r ? 1 : 0;
    if (c !== 0) return c;
  }
  return x.labels.length - y.labels.length;
}

export const nuGetComparator: VersionComparator = {
  id: 'nuget',
  ecosystems: ['NuGet'],
  compare: compareNuGetVersions,
};
