// Finds and reads .palisade.yaml, searching upward from the working directory. It holds the
// same settings as the `check` flags; flags given on the command line win.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { PalisadeError } from '../model/index.ts';

const listOrString = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]));

export const configSchema = z.strictObject({
  output: z.enum(['table', 'json', 'sarif', 'junit', 'csv']).optional(),
  failOn: z.enum(['low', 'medium', 'high', 'critical', 'none']).optional(),
  severity: z.enum(['low', 'medium', 'high', 'critical']).optional(),
  policies: z.enum(['all', 'default', 'pss-baseline', 'pss-restricted', 'cis']).optional(),
  policy: listOrString.optional(),
  include: listOrString.optional(),
  exclude: listOrString.optional(),
});

export type PalisadeConfig = z.infer<typeof configSchema> & { readonly path?: string };

export const configFileName = '.palisade.yaml';

export function findConfig(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, configFileName);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function loadConfig(start: string): PalisadeConfig {
  const path = findConfig(start);
  if (!path) return {};
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'), { maxAliasCount: 100 }) ?? {};
  } catch (error) {
    throw new PalisadeError(
      'config-invalid',
      `${path}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new PalisadeError(
      'config-invalid',
      `${path}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
    );
  }
  // Relative policy paths are relative to the config file.
  const policy = result.data.policy?.map((p) => resolve(dirname(path), p));
  return { ...result.data, ...(policy ? { policy } : {}), path };
}
