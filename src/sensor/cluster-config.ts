// The Sensor's cluster config file (`palisade sensor --cluster-config`, a ConfigMap in
// deploy/sensor.yaml): which Central cluster this is and what enforcement the cluster allows.
// Command-line flags win over it.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { PalisadeError, wrapError } from '../model/index.ts';
import { enforcementActions } from './enforce.ts';

export const clusterConfigSchema = z.strictObject({
  clusterId: z.uuid().optional(),
  centralUrl: z.url().optional(),
  enforcement: z
    .strictObject({
      enabled: z.boolean().default(false),
      actions: z.array(z.enum(enforcementActions)).optional(),
      excludedNamespaces: z.array(z.string().max(63)).optional(),
    })
    .optional(),
});

export type ClusterConfig = z.infer<typeof clusterConfigSchema>;

export function readClusterConfig(path: string): ClusterConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw wrapError(`--cluster-config ${path}`, error, 'input-unreadable');
  }
  const result = clusterConfigSchema.safeParse(parse(text) ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new PalisadeError(
      'cluster-config-invalid',
      `${path}: ${issue ? `${issue.path.join('.') || '(file)'}: ${issue.message}` : 'invalid'}`,
    );
  }
  return result.data;
}
