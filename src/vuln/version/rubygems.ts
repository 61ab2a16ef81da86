// RubyGems version ordering, Gem::Version#<=> (rubygems lib/rubygems/version.rb): "-" means
// ".pre.", segments are runs of digits (numbers) or letters (strings), trailing zeros of the
// release and of the prerelease part are dropped, a string segment sorts below a number
// (so any version with letters is a prerelease).

import type { VersionComparator } from './types.ts';
import { compareDigits } from './types.ts';

type Segment = { readonly num: string } | { readonly str: string };

function segments(version: string): Segment[] {
  const text = version.trim().replace(/-/g, '.pre.');
  const raw: Segment[] = [...text.matchAll(/[0-9]+|[a-z]+/gi)].map((m) =>
    /^\d/.test(m[0]) ? { num: m[0] } : { str: m[0] },
  );
  // Gem::Version#canonical_segments: drop trailing zeros of the numeric and string parts.
  const stringStart = raw.findIndex((s) => 'str' in s);
  const parts = stringStart < 0 ? [raw] : [raw.slice(0, stringStart), raw.slice(stringStart)];
  return parts.flatMap((part) => {
    const out = [...part];
    while (out.length > 0) {
      const last = out[out.length - 1];
      if (last !== undefined && 'num' in last && /^0+$/.test(last.num)) out.pop();
      else break;
    }
    return out;
  });
}

export function compareRubyGemsVersions(a: string, b: string): number {
  const x = segments(a);
  const y = segments(b);
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const l = x[i] ?? { num: '0' };
    const r = y[i] ?? { num: '0' };
    if ('str' in l && 'num' in r) return -1;
    if ('num' in l && 'str' in r) return 1;
    const c =
      'num' in l && 'num' in r
        ? compareDigits(l.num, r.num)
        : 'str' in l && 'str' in r
          ? l.str < r.str
            ? -1
            : l.str > r.str
              ? 1
              : 0
          : 0;
    if (c !== 0) return c;
  }
  return 0;
}

export const rubyGemsComparator: VersionComparator = {
  id: 'rubygems',
  ecosystems: ['RubyGems'],
  compare: compareRubyGemsVersions,
};
