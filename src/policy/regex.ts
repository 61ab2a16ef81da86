// Policy regexes with StackRox's semantics (pkg/regexutils): RE2 syntax, case-insensitive,
// matched against the whole value. RE2 runs in linear time, so user patterns cannot ReDoS us.

import RE2 from 're2';

export interface ValueRegex {
  readonly source: string;
  test(value: string): boolean;
}

const cache = new Map<string, ValueRegex>();

/**
 * Remembers answers for repeated values (namespaces, registries and tags recur across thousands
 * of objects), saving a crossing into native RE2 per evaluation. Bounded per regex.
 */
function memoise(test: (value: string) => boolean): (value: string) => boolean {
  const answers = new Map<string, boolean>();
  return (value) => {
    const known = answers.get(value);
    if (known !== undefined) return known;
    const answer = test(value);
    if (answers.size < 1024 && value.length < 256) answers.set(value, answer);
    return answer;
  };
}

function compile(pattern: string, anchored: boolean): ValueRegex {
  const key = `${anchored ? 'a' : 'c'}:${pattern}`;
  const cached = cache.get(key);
  if (cached) return cached;
  // Throws SyntaxError for patterns RE2 rejects (backreferences, lookaround, bad syntax).
  const re = new RE2(anchored ? `^(?:${pattern})$` : pattern, 'iu');
  // Anchored alternations of plain words are most policy values ("latest", "kube-system|default");
  // a set lookup gives the same answer as RE2 without crossing into native code.
  const literals =
    anchored && /^[A-Za-z0-9_\-/:=,@ ]*(\|[A-Za-z0-9_\-/:=,@ ]*)*$/.test(pattern)
      ? new Set(pattern.split('|').map((p) => p.toLowerCase()))
      : undefined;
  const compiled: ValueRegex = literals
    ? { source: pattern, test: (value) => literals.has(value.toLowerCase()) }
    : { source: pattern, test: memoise((value) => re.test(value)) };
  if (cache.size < 10_000) cache.set(key, compiled);
  return compiled;
}

/** A whole-value, case-insensitive RE2 regex. Throws SyntaxError with RE2's reason. */
export function compileValueRegex(pattern: string): ValueRegex {
  return compile(pattern, true);
}

/** A case-insensitive RE2 regex that matches anywhere ("contains"), as Process Arguments uses. */
export function compileContainsRegex(pattern: string): ValueRegex {
  return compile(pattern, false);
}
