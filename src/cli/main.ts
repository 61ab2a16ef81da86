// The `palisade` command line: one file per command; this file wires them and maps errors to
// exit codes (0 clean, 1 policy failure, 2 usage or input error).

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { PalisadeError } from '../model/index.ts';
import { registerCheck } from './check.ts';
import { registerImage } from './image.ts';
import type { CliContext } from './context.ts';
import { registerPolicy } from './policy.ts';
import { registerServe } from './serve.ts';
import { registerSensor } from './sensor.ts';
import { registerCluster } from './cluster.ts';
import { registerVulnDb } from './vulndb.ts';

const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

export async function runCli(
  argv: readonly string[],
  io: Omit<CliContext, 'exitCode' | 'version'>,
): Promise<number> {
  const context: CliContext = { ...io, version, exitCode: 0 };
  const debug = argv.includes('--debug');
  const program = new Command('palisade')
    .description('Palisade: security checks and policy for Kubernetes')
    .version(version)
    .option('--debug', 'print stack traces for errors')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  registerCheck(program, context);
  registerPolicy(program, context);
  registerServe(program, context);
  registerSensor(program, context);
  registerCluster(program, context);
  registerImage(program, context);
  registerVulnDb(program, context);
  try {
    await program.parseAsync(
      argv.filter((a) => a !== '--debug'),
      { from: 'user' },
    );
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    const message =
      error instanceof PalisadeError
        ? error.message
        : error instanceof Error
          ? error.message
          : String(error);
    io.stderr.write(`palisade: ${message}\n`);
    if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return 2;
  }
}

/** Runs the CLI on this process's arguments and streams; bin/palisade calls it. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), {
    cwd: process.cwd(),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    color: process.stdout.isTTY === true && !('NO_COLOR' in process.env),
  });
}
