// Reads Kubernetes manifests — YAML 1.2 streams, JSON, `kind: List` — into objects that keep
// their file and line. It decodes and guards against hostile input; it does not interpret kinds.

import { LineCounter, parseAllDocuments, isMap, isSeq } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
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

/** Parses one YAML or JSON text (possibly many documents) into Kubernetes objects. */
export function parseManifestText(
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
      result.problems.push(
        problem(
          'error',
          'yaml-invalid',
          firstError.message.split('\n')[0] ?? 'invalid YAML',
          file,
          line,
        ),
      );
      continue;
    }
    if (doc.range[2] - start > limits.maxDocumentBytes) {
      result.problems.push(
        problem(
          'error',
          'document-too-large',
          `document is larger than ${limits.maxDocumentBytes} bytes; split it`,
          file,
          docLine,
        ),
      );
      continue;
    }
    if (exceedsDepth(doc.contents, limits.maxDepth)) {
      result.problems.push(
        problem(
          'error',
          'document-too-deep',
          `document nests deeper than ${limits.maxDepth} levels`,
          file,
          docLine,
        ),
      );
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
