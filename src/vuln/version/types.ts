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
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}
