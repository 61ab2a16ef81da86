// `palisade policy list|show|validate|import|export`: the built-in pack and user policy files.

import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Policy } from '../model/index.ts';
import { PalisadeError } from '../model/index.ts';
import {
  compilePolicy,
  exportPolicies,
  loadBuiltinPolicies,
  policySetNames,
  selectPolicySet,
  slugify,
} from '../policy/index.ts';
import type { PolicySetName } from '../policy/index.ts';
import { severityName } from '../report/index.ts';
import type { CliContext } from './context.ts';
import { readPolicyFiles } from './policies.ts';

function findPolicy(id: string): Policy {
  const policy = loadBuiltinPolicies().find(
    (p) => p.id === id || p.name.toLowerCase() === id.toLowerCase(),
  );
  if (!policy)
    throw new PalisadeError('usage', `unknown policy '${id}'; see 'palisade policy list'`);
  return policy;
}

export function registerPolicy(program: Command, context: CliContext): void {
  const policy = program
    .command('policy')
    .description('list, show, validate, import and export policies');
  const out = (text: string) => context.stdout.write(text);

  policy
    .command('list')
    .description('list built-in policies')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['table', 'json'])
        .default('table'),
    )
    .addOption(
      new Option('--policies <set>', 'policy set').choices([...policySetNames]).default('all'),
    )
    .action((flags: { output: string; policies: PolicySetName }) => {
      const policies = selectPolicySet(loadBuiltinPolicies(), flags.policies);
      if (flags.output === 'json') {
        out(`${JSON.stringify({ policies }, null, 2)}\n`);
        return;
      }
      const width = Math.max(...policies.map((p) => p.id.length), 2);
      out(`${'ID'.padEnd(width)}  SEVERITY  DEFAULT  NAME\n`);
      for (const p of policies) {
        out(
          `${p.id.padEnd(width)}  ${severityName(p.severity).padEnd(8)}  ${(p.disabled ? 'off' : 'on').padEnd(7)}  ${p.name}\n`,
        );
      }
      out(`${policies.length} policies\n`);
    });

  policy
    .command('show')
    .description('print one built-in policy as StackRox JSON')
    .argument('<id>', 'policy id or name')
    .action((id: string) => {
      out(`${JSON.stringify(findPolicy(id), null, 2)}\n`);
    });

  policy
    .command('validate')
    .description('validate policy files (StackRox JSON); exit 2 on the first invalid one')
    .argument('<paths...>', 'policy files or directories')
    .action((paths: string[]) => {
      const policies = readPolicyFiles(paths);
      for (const p of policies) compilePolicy(p);
      out(`${policies.length} policies valid\n`);
    });

  policy
    .command('import')
    .description('validate policy files and write each as <id>.json into a directory')
    .argument(
      '<paths...>',
      'policy files or directories (single policies or {"policies": [...]} exports)',
    )
    .requiredOption('--into <dir>', 'directory to write the policies into')
    .action((paths: string[], flags: { into: string }) => {
      const policies = readPolicyFiles(paths);
      for (const p of policies) compilePolicy(p);
      mkdirSync(flags.into, { recursive: true });
      for (const p of policies) {
        writeFileSync(
          join(flags.into, `${slugify(p.id) || slugify(p.name)}.json`),
          `${JSON.stringify(p, null, 2)}\n`,
        );
      }
      out(`imported ${policies.length} policies into ${flags.into}\n`);
    });

  policy
    .command('export')
    .description('print policies as a StackRox export {"policies": [...]}')
    .argument('[ids...]', 'built-in policy ids (default: all)')
    .option('--from <paths...>', 'export policy files instead of built-ins')
    .action((ids: string[], flags: { from?: string[] }) => {
      const source = flags.from ? readPolicyFiles(flags.from) : loadBuiltinPolicies();
      const chosen =
        ids.length > 0
          ? ids.map((id) => source.find((p) => p.id === id) ?? findPolicy(id))
          : source;
      out(exportPolicies(chosen));
    });
}
