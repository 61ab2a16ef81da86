// The `palisade` command line: one file per command; this file wires them and maps errors to
// exit codes (0 clean, 1 policy failure, 2 usage or input error).

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { PalisadeError } from '../model/index.ts';
import type { CliContext } from './context.ts';

const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

type Register = (program: Command, context: CliContext) => void;

/**
 * Each command's module, loaded when that command runs: Central, PGlite, the image scanner and
 * the Sensor are each tens of MB of modules, which `palisade check` in CI has no use for.
 * In help's order.
 */
const commands: Readonly<Record<string, () => Promise<Register>>> = {
  check: async () => (await import('./check.ts')).registerCheck,
  policy: async () => (await import('./policy.ts')).registerPolicy,
  serve: async () => (await import('./serve.ts')).registerServe,
  sensor: async () => (await import('./sensor.ts')).registerSensor,
  cluster: async () => (await import('./cluster.ts')).registerCluster,
  image: async () => (await import('./image.ts')).registerImage,
  vulndb: async () => (await import('./vulndb.ts')).registerVulnDb,
};

/**
 * The command the arguments name, alone; none for --version alone; every command for help, a
 * bare call or a typo (commander lists them, or suggests one).
 */
async function commandsFor(argv: readonly string[]): Promise<Register[]> {
  const name = argv.find((arg) => !arg.startsWith('-'));
  if (name === undefined && (argv.includes('--version') || argv.includes('-V'))) return [];
  const chosen =
    name !== undefined && Object.hasOwn(commands, name) ? [name] : Object.keys(commands);
  return Promise.all(chosen.map((key) => (commands[key] as () => Promise<Register>)()));
}

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
  for (const register of await commandsFor(argv)) register(program, context);
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
  // A reader that stops early (`palisade policy list | head`) is not an error worth a trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = await runCli(process.argv.slice(2), {
    cwd: process.cwd(),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    color: process.stdout.isTTY === true && !('NO_COLOR' in process.env),
  });
}
