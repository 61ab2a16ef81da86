// `palisade check`: policy checks for Kubernetes manifests, for CI. Parsing and printing only;
// the work is done by k8s/, policy/ and report/.

import type { Command } from 'commander';
import { readManifests } from '../k8s/index.ts';
import { PalisadeError } from '../model/index.ts';
import type { Policy, SubjectKind } from '../model/index.ts';
import type { CheckResult, CompiledPolicy, PolicySetName } from '../policy/index.ts';
import { checkObjects, compilePolicy } from '../policy/index.ts';
import { buildReport, writers } from '../report/index.ts';
import type { SeverityName } from '../report/index.ts';
import { centralTarget, postToCentral } from './central-client.ts';
import { loadConfig } from './config.ts';
import { addCheckOptions, selectPolicies, splitList } from './policies.ts';
import type { CliContext } from './context.ts';

interface CheckFlags {
  output?: string;
  failOn?: string;
  severity?: string;
  policy?: string[];
  policies?: string;
  include?: string[];
  exclude?: string[];
  config?: boolean;
  central?: string;
  token?: string;
  scanImages?: boolean;
}

/** What Central's /api/v1/check answers (src/central/routes/policies.ts). */
interface CentralCheck {
  readonly violations: CheckResult['violations'];
  readonly undecided: CheckResult['undecided'];
  readonly suppressed: CheckResult['suppressed'];
  readonly problems: CheckResult['problems'];
  readonly checkedObjects: CheckResult['checked'];
  readonly policies: readonly (Policy & { readonly subject: SubjectKind })[];
}

export function registerCheck(program: Command, context: CliContext): void {
  addCheckOptions(
    program
      .command('check')
      .description(
        'check Kubernetes manifests (files, directories, or - for stdin) against policies',
      )
      .argument(
        '<paths...>',
        'manifest files or directories (recursively .yaml, .yml, .json); - reads stdin',
      ),
  )
    .option(
      '--central <url>',
      "evaluate with this Central's enabled policies instead of the local ones (the CI path)",
    )
    .option('--token <token>', 'API token for --central (default: PALISADE_TOKEN)')
    .option('--scan-images', 'scan the images the manifests use and decide image criteria (CVE, …)')
    .action(async (paths: string[], flags: CheckFlags) => {
      context.exitCode = await runCheck(paths, flags, context);
    });
}

async function runCheck(paths: string[], flags: CheckFlags, context: CliContext): Promise<number> {
  const config = flags.config === false ? {} : loadConfig(context.cwd);
  const output = flags.output ?? config.output ?? 'table';
  const failOn = (flags.failOn ?? config.failOn ?? 'high') as SeverityName | 'none';
  const minSeverity = (flags.severity ?? config.severity) as SeverityName | undefined;
  const central =
    flags.central === undefined ? undefined : centralTarget(flags.central, flags.token);
  if (central && (flags.policy ?? flags.include ?? flags.exclude ?? flags.policies) !== undefined)
    throw new PalisadeError(
      'usage',
      "--central evaluates Central's enabled policies; --policy, --policies, --include and --exclude do not apply",
    );
  const policies = central
    ? []
    : selectPolicies({
        set: (flags.policies ?? config.policies ?? 'default') as PolicySetName,
        files: [...(config.policy ?? []), ...(flags.policy ?? [])],
        include: splitList(flags.include ?? config.include),
        exclude: splitList([...(config.exclude ?? []), ...(flags.exclude ?? [])]),
      });
  const writer = writers.get(output);
  if (!writer) throw new PalisadeError('usage', `unknown output format '${output}'`);
  const manifests = await readManifests(paths, { baseDir: context.cwd, stdin: context.stdin });
  let result: Omit<CheckResult, 'problems'> & { problems: CheckResult['problems'] };
  let evaluated: readonly (Policy & { readonly subject: SubjectKind })[];
  if (central === undefined) {
    const compiled: CompiledPolicy[] = policies.map((p) => compilePolicy(p));
    result = flags.scanImages
      ? // The image scanner and its database load only for --scan-images.
        await (
          await import('./check-images.ts')
        ).checkWithImageScans(manifests.objects, compiled, context)
      : checkObjects(manifests.objects, compiled);
    evaluated = compiled.map((c) => ({ ...c.policy, subject: c.subject }));
  } else {
    // Central parses nothing: it gets the objects as read here, so results keep file and line.
    const answer = await postToCentral<CentralCheck>(central, '/api/v1/check', {
      objects: manifests.objects.map((o) => ({ source: o.source, object: o.body })),
    });
    result = { ...answer, checked: answer.checkedObjects };
    evaluated = answer.policies;
  }
  const report = buildReport({
    version: context.version,
    violations: result.violations,
    undecided: result.undecided,
    suppressed: result.suppressed,
    problems: [...manifests.problems, ...result.problems],
    policies: evaluated,
    checked: result.checked,
    files: manifests.files.length + (paths.includes('-') ? 1 : 0),
    failOn,
    ...(minSeverity ? { minSeverity } : {}),
  });
  context.stdout.write(writer.write(report, { color: context.color && output === 'table' }));
  for (const problem of report.problems) {
    if (problem.level === 'error' && output !== 'table') {
      context.stderr.write(
        `palisade: ${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}\n`,
      );
    }
  }
  if (report.summary.inputErrors > 0) return 2;
  return report.summary.failed ? 1 : 0;
}
