// Reads Kubernetes manifests — YAML 1.2 streams, JSON, `kind: List` — into objects that keep
// their file and line. It decodes and guards against hostile input; it does not interpret kinds.

import { LineCounter, parseAllDocuments, isMap, isSeq } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { CORE_SCHEMA, load as loadFast } from 'js-yaml';
import type { InputProblem, ManifestObject } from '../model/index.ts';

export interface ParseLimits {
  /** Largest single YAML document, in bytes. */
  readonly maxDocumentBytes: number;
  /** Largest whole input, in bytes. */
  readonly maxInputBytes: number;
  /** Alias dereferences allowed per document (yaml's maxAliasCount; defends against alias bombs). */
  readonly maxAliasCount: number;
  /** Deepest nesting of mappings and sequences. */
  readonly maxDepth: number;
}

export const defaultParseLimits: ParseLimits = {
  maxDocumentBytes: 8 * 1024 * 1024,
  maxInputBytes: 256 * 1024 * 1024,
  maxAliasCount: 100,
  maxDepth: 64,
};

export interface ParseResult {
  readonly objects: ManifestObject[];
  readonly problems: InputProblem[];
}

function problem(
  level: InputProblem['level'],
  code: string,
  message: string,
  file: string,
  line: number,
): InputProblem {
  return { level, code, message, file, line };
}

function tooLarge(limits: ParseLimits, file: string, line: number): InputProblem {
  const message = `document is larger than ${limits.maxDocumentBytes} bytes; split it`;
  return problem('error', 'document-too-large', message, file, line);
}

function tooDeep(limits: ParseLimits, file: string, line: number): InputProblem {
  return problem(
    'error',
    'document-too-deep',
    `document nests deeper than ${limits.maxDepth} levels`,
    file,
    line,
  );
}

/** Finds the 1-based line of the first byte sequence that is not valid UTF-8, or 0. */
function findInvalidUtf8Line(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return 0;
}

/**
 * Decodes bytes as UTF-8 text: rejects binary content (NUL bytes) and invalid UTF-8 with the line
 * where it starts; strips a byte-order mark.
 */
export function decodeManifestBytes(
  bytes: Uint8Array,
  file: string,
): { text: string } | { problem: InputProblem } {
  const head = bytes.subarray(0, Math.min(bytes.length, 8192));
  if (head.includes(0)) {
    return {
      problem: problem(
        'error',
        'input-binary',
        'binary file (contains NUL bytes); expected YAML or JSON',
        file,
        1,
      ),
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const line = findInvalidUtf8Line(bytes);
    return {
      problem: problem(
        'error',
        'input-encoding',
        'invalid UTF-8; save the file as UTF-8',
        file,
        line || 1,
      ),
    };
  }
  return { text };
}

/** Depth of nested collections in a parsed YAML node tree, stopping early past `limit`. */
function exceedsDepth(node: unknown, limit: number): boolean {
  const stack: { node: unknown; depth: number }[] = [{ node, depth: 1 }];
  while (stack.length > 0) {
    const top = stack.pop();
    if (!top) break;
    const current = top.node;
    if (isMap(current)) {
      if (top.depth > limit) return true;
      for (const pair of current.items) stack.push({ node: pair.value, depth: top.depth + 1 });
    } else if (isSeq(current)) {
      if (top.depth > limit) return true;
      for (const item of current.items) stack.push({ node: item, depth: top.depth + 1 });
    }
  }
  return false;
}

function isObjectRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty document';
  if (Array.isArray(value)) return 'a sequence';
  if (typeof value === 'object') return 'a mapping without apiVersion and kind';
  return `a scalar (${typeof value})`;
}

/** Collects objects from one parsed value, unrolling `kind: List` and `*List` kinds. */
function collectObjects(
  value: unknown,
  node: YamlNode | null,
  file: string,
  lineOf: (node: YamlNode | null | undefined, fallback: number) => number,
  docLine: number,
  result: ParseResult,
): void {
  if (
    !isObjectRecord(value) ||
    typeof value.apiVersion !== 'string' ||
    typeof value.kind !== 'string'
  ) {
    if (value === null || value === undefined) return;
    result.problems.push(
      problem(
        'note',
        'not-kubernetes-object',
        `skipped ${describeValue(value)}: not a Kubernetes object`,
        file,
        docLine,
      ),
    );
    return;
  }
  const kind = value.kind;
  if (kind === 'List' || (kind.endsWith('List') && Array.isArray(value.items))) {
    const items = Array.isArray(value.items) ? (value.items as unknown[]) : [];
    const itemsNode = isMap(node) ? node.get('items', true) : undefined;
    items.forEach((item, index) => {
      const itemNode = isSeq(itemsNode)
        ? (itemsNode.items[index] as YamlNode | undefined)
        : undefined;
      const line = lineOf(itemNode, docLine);
      // Items of a typed list (DeploymentList) may omit apiVersion/kind; they inherit them.
      let normalised = item;
      if (isObjectRecord(item) && kind !== 'List') {
        normalised = {
          apiVersion: value.apiVersion,
          kind: kind.slice(0, -'List'.length),
          ...item,
        };
      }
      collectObjects(normalised, itemNode ?? null, file, lineOf, line, result);
    });
    return;
  }
  result.objects.push({
    apiVersion: value.apiVersion,
    kind,
    body: value,
    source: { file, line: docLine },
  });
}

/** Parses a text with the yaml library: exact positions, alias limits, precise errors. */
function parseWithYamlLibrary(
  text: string,
  file: string,
  limits: ParseLimits = defaultParseLimits,
): ParseResult {
  const result: ParseResult = { objects: [], problems: [] };
  if (text.length > limits.maxInputBytes) {
    result.problems.push(
      problem(
        'error',
        'input-too-large',
        `input is larger than ${limits.maxInputBytes} bytes`,
        file,
        1,
      ),
    );
    return result;
  }
  const lineCounter = new LineCounter();
  let documents: Document.Parsed[];
  try {
    documents = parseAllDocuments(text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: true,
      version: '1.2',
    }) as Document.Parsed[];
  } catch (error) {
    const message = error instanceof RangeError ? 'nesting is too deep to parse' : String(error);
    result.problems.push(problem('error', 'yaml-invalid', message, file, 1));
    return result;
  }
  if (!Array.isArray(documents)) documents = [documents];
  const lineOf = (node: YamlNode | null | undefined, fallback: number): number => {
    const offset = node?.range?.[0];
    return offset === undefined ? fallback : lineCounter.linePos(offset).line;
  };
  for (const doc of documents) {
    const start = doc.range[0];
    const docLine = lineOf(doc.contents, lineCounter.linePos(start).line);
    const firstError = doc.errors[0];
    if (firstError) {
      const line = firstError.linePos?.[0].line ?? lineCounter.linePos(firstError.pos[0]).line;
      // yaml reports a stack overflow on pathological nesting ('[[[[…') as RESOURCE_EXHAUSTION.
      const message =
        firstError.code === 'RESOURCE_EXHAUSTION'
          ? `nesting is too deep to parse (more than ${limits.maxDepth} levels allowed)`
          : (firstError.message.split('\n')[0] ?? 'invalid YAML');
      result.problems.push(problem('error', 'yaml-invalid', message, file, line));
      continue;
    }
    if (doc.range[2] - start > limits.maxDocumentBytes) {
      result.problems.push(tooLarge(limits, file, docLine));
      continue;
    }
    if (exceedsDepth(doc.contents, limits.maxDepth)) {
      result.problems.push(tooDeep(limits, file, docLine));
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (error) {
      const message =
        error instanceof ReferenceError && /alias/i.test(error.message)
          ? `too many alias expansions (more than ${limits.maxAliasCount}); possible YAML alias bomb`
          : error instanceof RangeError
            ? 'document is too deeply nested or too large to expand'
            : `cannot read document: ${error instanceof Error ? error.message : String(error)}`;
      result.problems.push(problem('error', 'yaml-unsafe', message, file, docLine));
      continue;
    }
    collectObjects(value, doc.contents, file, lineOf, docLine, result);
  }
  return result;
}

/** Depth of nested objects and arrays in a plain JS tree (no aliases: the fast path has none). */
function valueExceedsDepth(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const top = stack.pop();
    if (!top || typeof top.value !== 'object' || top.value === null) continue;
    if (top.depth > limit) return true;
    for (const child of Object.values(top.value)) {
      if (typeof child === 'object' && child !== null)
        stack.push({ value: child, depth: top.depth + 1 });
    }
  }
  return false;
}

function shiftLines(result: ParseResult, offset: number, into: ParseResult): void {
  for (const object of result.objects) {
    into.objects.push({
      ...object,
      source: { file: object.source.file, line: object.source.line + offset },
    });
  }
  for (const p of result.problems) into.problems.push({ ...p, line: p.line + offset });
}

interface Chunk {
  readonly text: string;
  /** 1-based line of the chunk's first line in the whole text. */
  readonly startLine: number;
}

const documentMarker = /^(?:---|\.\.\.)(?:[ \t]+(#.*)?)?$/;
// An anchor or alias needs the yaml library's alias limits; a List needs its per-item lines.
const needsExactParser = /(?:^|[\s[{,])[&*][^\s,\]}]|^kind:\s*\S*List\s*$|^%|^!|\s!/m;

/** Splits a YAML stream at document markers; null when a marker line carries content. */
function splitDocuments(text: string): Chunk[] | null {
  // Finds marker lines with one native regex scan, counting lines only between markers: no
  // per-line arrays for a stream of thousands of documents.
  const marker = /^(?:---|\.\.\.)[^\n]*$/gm;
  const chunks: Chunk[] = [];
  let start = 0;
  let startLine = 1;
  let line = 1;
  let counted = 0;
  for (let match = marker.exec(text); match !== null; match = marker.exec(text)) {
    if (!documentMarker.test(match[0].replace(/\r$/, ''))) return null;
    for (
      let i = text.indexOf('\n', counted);
      i !== -1 && i < match.index;
      i = text.indexOf('\n', i + 1)
    )
      line++;
    counted = match.index;
    if (match.index > start) chunks.push({ text: text.slice(start, match.index), startLine });
    const next = text.indexOf('\n', match.index);
    if (next === -1) return chunks;
    start = next + 1;
    startLine = line + 1;
  }
  if (start < text.length) chunks.push({ text: text.slice(start), startLine });
  return chunks;
}

function firstContentLine(chunk: Chunk): number {
  let line = chunk.startLine;
  for (let start = 0; start < chunk.text.length; line++) {
    const end = chunk.text.indexOf('\n', start);
    const text = chunk.text.slice(start, end === -1 ? undefined : end).trim();
    if (text !== '' && !text.startsWith('#')) return line;
    if (end === -1) break;
    start = end + 1;
  }
  return chunk.startLine;
}

/**
 * Parses one YAML or JSON text (possibly many documents) into Kubernetes objects. Plain
 * documents (no anchors, aliases, tags or Lists) take a fast path through js-yaml, which reads
 * them about four times faster; anything else, and any document the fast path rejects, goes
 * through the yaml library for exact positions, alias limits and precise error messages.
 */
export function parseManifestText(
  text: string,
  file: string,
  limits: ParseLimits = defaultParseLimits,
): ParseResult {
  const head = text.trimStart();
  if (text.length > limits.maxInputBytes || head.startsWith('{') || head.startsWith('[')) {
    return parseWithYamlLibrary(text, file, limits);
  }
  const chunks = splitDocuments(text);
  if (!chunks) return parseWithYamlLibrary(text, file, limits);
  const result: ParseResult = { objects: [], problems: [] };
  for (const chunk of chunks) {
    if (chunk.text.length > limits.maxDocumentBytes) {
      result.problems.push(tooLarge(limits, file, firstContentLine(chunk)));
      continue;
    }
    const exact = () =>
      shiftLines(parseWithYamlLibrary(chunk.text, file, limits), chunk.startLine - 1, result);
    if (needsExactParser.test(chunk.text)) {
      exact();
      continue;
    }
    let value: unknown;
    try {
      value = loadFast(chunk.text, { schema: CORE_SCHEMA, filename: file });
    } catch {
      exact();
      continue;
    }
    const docLine = firstContentLine(chunk);
    if (valueExceedsDepth(value, limits.maxDepth)) {
      result.problems.push(tooDeep(limits, file, docLine));
      continue;
    }
    collectObjects(value, null, file, (_node, fallback) => fallback, docLine, result);
  }
  return result;
}
