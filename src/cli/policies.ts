// Loads the policies a command runs: a built-in set, extra files, --include/--exclude.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import type { Policy } from '../model/index.ts';
import { PalisadeError, wrapError } from '../model/index.ts';
import {
  loadBuiltinPolicies,
  parsePolicyText,
  policySetNames,
  selectPolicySet,
} from '../policy/index.ts';
import { severityNames, writers } from '../report/index.ts';
import type { PolicySetName } from '../policy/index.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * The output, threshold and policy-selection options every command that checks objects takes
 * (`check`, `cluster scan`): one definition, so they stay the same everywhere.
 */
export function addCheckOptions(command: Command): Command {
  return command
    .addOption(new Option('-o, --output <format>', 'output format').choices([...writers.keys()]))
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 1 when a violation is at or above this severity (default high)',
      ).choices([...severityNames, 'none']),
    )
    .addOption(
      new Option('--severity <severity>', 'show only violations at or above this severity').choices(
        [...severityNames],
      ),
    )
    .option('--policy <file|dir>', 'extra policies in StackRox JSON (repeatable)', collect)
    .addOption(
      new Option('--policies <set>', 'built-in policy set (default: default)').choices([
        ...policySetNames,
      ]),
    )
    .option(
      '--include <ids>',
      'run exactly these policies, enabled by default or not (repeatable, comma-separated)',
      collect,
    )
    .option('--exclude <ids>', 'skip these policies (repeatable, comma-separated)', collect)
    .option('--no-config', 'ignore .palisade.yaml');
}

export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** Reads policy files: a .json file, or every .json file in a directory (recursively). */
export function readPolicyFiles(paths: readonly string[]): Policy[] {
  const policies: Policy[] = [];
  const visit = (path: string): void => {
    let info;
    try {
      info = statSync(path);
    } catch {
      throw new PalisadeError('input-unreadable', `${path}: no such policy file or directory`);
    }
    if (info.isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        const child = join(path, entry);
        if (entry.endsWith('.json') || statSync(child).isDirectory()) visit(child);
      }
      return;
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw wrapError(`reading ${path}`, error, 'input-unreadable');
    }
    policies.push(...parsePolicyText(text, path));
  };
  for (const path of paths) visit(path);
  return policies;
}

export interface PolicySelection {
  readonly set: PolicySetName;
  readonly files: readonly string[];
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** The policies to run: --include restricts to exactly those ids (enabled or not). */
export function selectPolicies(selection: PolicySelection): Policy[] {
  const builtin = loadBuiltinPolicies();
  const extra = readPolicyFiles(selection.files);
  const known = new Map<string, Policy>();
  for (const p of [...builtin, ...extra]) known.set(p.id, p);
  const matches = (p: Policy, id: string) =>
    p.id === id || p.name.toLowerCase() === id.toLowerCase();
  let chosen: Policy[];
  if (selection.include.length > 0) {
    chosen = [];
    for (const id of selection.include) {
      const found = [...known.values()].find((p) => matches(p, id));
      if (!found)
        throw new PalisadeError(
          'usage',
          `--include: unknown policy '${id}'; see 'palisade policy list'`,
        );
      if (!chosen.includes(found)) chosen.push(found);
    }
  } else {
    chosen = [
      ...selectPolicySet(builtin, selection.set),
      ...extra.filter((p) => p.disabled !== true),
    ];
  }
  for (const id of selection.exclude) {
    if (![...known.values()].some((p) => matches(p, id)))
      throw new PalisadeError('usage', `--exclude: unknown policy '${id}'`);
  }
  return chosen.filter((p) => !selection.exclude.some((id) => matches(p, id)));
}
