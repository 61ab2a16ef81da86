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

/** Characters that stand for themselves in a pattern (outside classes, unescaped). */
const plainChar = /[A-Za-z0-9_\-/:=,@ ]/;

/**
 * The literals a value must contain for an anchored pattern to match it, one per top-level
 * alternative, or undefined when some alternative has no literal worth checking. Only simple
 * patterns are read (plain characters, escaped punctuation, `.`, and the quantifiers `* + ?`);
 * anything else (groups, classes, counted repetition) gives undefined. A literal is a run of
 * plain characters none of which is optional: `ab*c` requires "a" and "c", `ab+c` "ab" and "bc".
 */
export function requiredLiterals(pattern: string): string[] | undefined {
  if (!/^(?:[A-Za-z0-9_\-/:=,@ .*+?|]|\\[.\-/:=,@ ])*$/.test(pattern)) return undefined;
  const literals: string[] = [];
  for (const alternative of pattern.split('|')) {
    // Atoms with the quantifier that follows each.
    const atoms: { text: string | null; quantifier: string }[] = [];
    for (let i = 0; i < alternative.length; i++) {
      const ch = alternative[i] as string;
      let text: string | null;
      if (ch === '\\') text = alternative[++i] as string;
      else if (ch === '.') text = null;
      else if (plainChar.test(ch)) text = ch;
      else return undefined; // a quantifier with nothing before it
      const next = alternative[i + 1];
      const quantifier = next === '*' || next === '+' || next === '?' ? next : '';
      if (quantifier !== '') i++;
      if (alternative[i + 1] === '?' && quantifier !== '') i++; // lazy: same language
      atoms.push({ text, quantifier });
    }
    let best = '';
    let run = '';
    for (const atom of atoms) {
      if (atom.text === null || atom.quantifier === '*' || atom.quantifier === '?') {
        run = '';
        continue;
      }
      run += atom.text;
      if (run.length > best.length) best = run;
      // `x+` requires one x, and whatever follows need not be adjacent to the run before it.
      if (atom.quantifier === '+') run = atom.text;
    }
    if (best.length < 2) return undefined;
    literals.push(best.toLowerCase());
  }
  return literals;
}

/** Whether every character is ASCII; only for those does lower-casing equal RE2's case folding. */
function isAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return false;
  return true;
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
  if (literals) {
    const compiled: ValueRegex = {
      source: pattern,
      test: (value) => literals.has(value.toLowerCase()),
    };
    if (cache.size < 10_000) cache.set(key, compiled);
    return compiled;
  }
  // Values that vary per object (image names, namespaces of many teams) defeat the memo; most
  // of them lack the pattern's literal text, which a string search decides without RE2.
  const required = requiredLiterals(pattern);
  const viaRe2 = memoise((value) => re.test(value));
  const test =
    required === undefined
      ? viaRe2
      : (value: string): boolean => {
          if (isAscii(value)) {
            const lower = value.toLowerCase();
            if (!required.some((literal) => lower.includes(literal))) return false;
          }
          return viaRe2(value);
        };
  const compiled: ValueRegex = { source: pattern, test };
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
