// Gathers manifest inputs from files, directories (recursively) and stdin, then parses them.
// Reading is bounded in size; a file that cannot be read becomes a problem, never a crash.

import { readdir, stat, open } from 'node:fs/promises';
import { extname, join, relative, isAbsolute } from 'node:path';
import type { InputProblem, ManifestObject } from '../model/index.ts';
import { decodeManifestBytes, defaultParseLimits, parseManifestText } from './parse.ts';
import type { ParseLimits } from './parse.ts';

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

export interface ManifestSet {
  readonly objects: ManifestObject[];
  readonly problems: InputProblem[];
  readonly files: string[];
}

export interface ReadManifestOptions {
  readonly limits?: ParseLimits;
  /** Paths in results are made relative to this directory (SARIF wants repository-relative URIs). */
  readonly baseDir?: string;
  /** Stream read for "-". */
  readonly stdin?: NodeJS.ReadableStream;
}

async function listManifestFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      files.push(...(await listManifestFiles(path)));
    } else if (entry.isFile() && manifestExtensions.has(extname(entry.name).toLowerCase())) {
      files.push(path);
    }
  }
  return files;
}

async function readBounded(path: string, maxBytes: number): Promise<Uint8Array | 'too-large'> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (info.size > maxBytes) return 'too-large';
    const buffer = Buffer.alloc(info.size);
    let offset = 0;
    while (offset < info.size) {
      const { bytesRead } = await handle.read(buffer, offset, info.size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return buffer.subarray(0, offset);
  } finally {
    await handle.close();
  }
}

async function readStream(
  stream: NodeJS.ReadableStream,
  maxBytes: number,
): Promise<Uint8Array | 'too-large'> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    total += buffer.length;
    if (total > maxBytes) return 'too-large';
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function displayPath(path: string, baseDir: string | undefined): string {
  if (!baseDir) return path;
  const rel = relative(baseDir, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel.split('\\').join('/');
}

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

/** Parses already-read bytes, as for one file. */
export function parseManifestBytes(bytes: Uint8Array, file: string, limits = defaultParseLimits) {
  const decoded = decodeManifestBytes(bytes, file);
  if ('problem' in decoded) return { objects: [], problems: [decoded.problem] };
  return parseManifestText(decoded.text, file, limits);
}

/** Reads every path (file, directory or "-" for stdin) and parses the manifests found. */
export async function readManifests(
  paths: readonly string[],
  options: ReadManifestOptions = {},
): Promise<ManifestSet> {
  const limits = options.limits ?? defaultParseLimits;
  const set: ManifestSet = { objects: [], problems: [], files: [] };
  for (const path of paths) {
    if (path === '-') {
      const bytes = await readStream(options.stdin ?? process.stdin, limits.maxInputBytes);
      addBytes(set, bytes, '<stdin>', limits);
      continue;
    }
    let files: string[];
    try {
      const info = await stat(path);
      files = info.isDirectory() ? await listManifestFiles(path) : [path];
    } catch (error) {
      const code = errorCode(error);
      const reason =
        code === 'ENOENT'
          ? 'no such file or directory'
          : code === 'EACCES'
            ? 'permission denied'
            : String(error);
      set.problems.push({
        level: 'error',
        code: 'input-unreadable',
        message: reason,
        file: path,
        line: 0,
      });
      continue;
    }
    for (const file of files) {
      const shown = displayPath(file, options.baseDir);
      set.files.push(shown);
      try {
        addBytes(set, await readBounded(file, limits.maxInputBytes), shown, limits);
      } catch (error) {
        const code = errorCode(error);
        const reason =
          code === 'EISDIR'
            ? 'is a directory'
            : code === 'EACCES'
              ? 'permission denied'
              : String(error);
        set.problems.push({
          level: 'error',
          code: 'input-unreadable',
          message: reason,
          file: shown,
          line: 0,
        });
      }
    }
  }
  return set;
}

function addBytes(
  set: ManifestSet,
  bytes: Uint8Array | 'too-large',
  file: string,
  limits: ParseLimits,
): void {
  if (bytes === 'too-large') {
    set.problems.push({
      level: 'error',
      code: 'input-too-large',
      message: `input is larger than ${limits.maxInputBytes} bytes`,
      file,
      line: 0,
    });
    return;
  }
  const parsed = parseManifestBytes(bytes, file, limits);
  set.objects.push(...parsed.objects);
  set.problems.push(...parsed.problems);
}
