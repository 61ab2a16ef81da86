// @ts-check
// Which files an analyser could want, declared as data: exact paths, path prefixes, name
// suffixes and executables. The layer reader keeps a regular file only when some analyser's
// hint matches it and that analyser wants it (analyzers/registry.ts). Being data, the hints
// also reach the worker threads that decompress layers (layer-inflate-worker.js), which skip
// the contents of files no hint matches instead of handing them to the main thread: in a
// typical image that is nearly every byte. Plain JavaScript so those workers can load it
// without the TypeScript loader.

/**
 * @typedef {object} FileHint
 * @property {readonly string[]} [paths] Absolute paths, exactly.
 * @property {readonly string[]} [prefixes] Absolute path prefixes ("/var/lib/dpkg/info/").
 * @property {readonly string[]} [suffixes] Path endings, compared in lower case ("/package.json", ".jar").
 * @property {boolean} [executables] Any file with an execute bit.
 */

/**
 * One hint matching whatever any of these matches.
 * @param {readonly FileHint[]} hints
 * @returns {FileHint}
 */
export function mergeHints(hints) {
  return {
    paths: [...new Set(hints.flatMap((hint) => hint.paths ?? []))],
    prefixes: [...new Set(hints.flatMap((hint) => hint.prefixes ?? []))],
    suffixes: [...new Set(hints.flatMap((hint) => hint.suffixes ?? []))],
    executables: hints.some((hint) => hint.executables === true),
  };
}

/**
 * A matcher for a hint: whether a regular file with this clean absolute path and these mode
 * bits could be wanted.
 * @param {FileHint} hint
 * @returns {(path: string, mode: number) => boolean}
 */
export function compileHint(hint) {
  const paths = new Set(hint.paths ?? []);
  const prefixes = hint.prefixes ?? [];
  const suffixes = (hint.suffixes ?? []).map((suffix) => suffix.toLowerCase());
  const executables = hint.executables === true;
  return (path, mode) => {
    if (executables && (mode & 0o111) !== 0) return true;
    if (paths.has(path)) return true;
    for (const prefix of prefixes) if (path.startsWith(prefix)) return true;
    if (suffixes.length === 0) return false;
    const lower = path.toLowerCase();
    for (const suffix of suffixes) if (lower.endsWith(suffix)) return true;
    return false;
  };
}
