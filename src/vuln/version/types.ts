// The version comparator interface: one plug-in per versioning scheme (vuln/version/*.ts,
// listed in all.ts), each serving the OSV ecosystems that use it. Comparators are total: any
// two strings compare without throwing, as the native tools do for malformed versions.

export interface VersionComparator {
  /** Stable kebab-case id: the scheme's name ("dpkg", "pep440"). */
  readonly id: string;
  /** OSV ecosystem names (without a ":release" suffix) whose ECOSYSTEM ranges use it. */
  readonly ecosystems: readonly string[];
  /** Negative when a < b, zero when equal, positive when a > b. */
  compare(a: string, b: string): number;
}

/** Compares two bigint-sized digit strings without converting them. */
export function compareDigits(a: string, b: string): number {
  // Leading zeros skipped by index: this runs for every version comparison of a scan.
  let i = 0;
  while (i < a.length - 1 && a.charCodeAt(i) === 48) i++;
  let j = 0;
  while (j < b.length - 1 && b.charCodeAt(j) === 48) j++;
  if (a.length - i !== b.length - j) {
    // "" and "0" both mean zero.
    const x = a.length - i === 1 && a.charCodeAt(i) === 48 ? 0 : a.length - i;
    const y = b.length - j === 1 && b.charCodeAt(j) === 48 ? 0 : b.length - j;
    if (x !== y) return x - y;
    return 0;
  }
  for (; i < a.length; i++, j++) {
    const d = a.charCodeAt(i) - b.charCodeAt(j);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}
