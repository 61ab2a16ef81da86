// What a command needs from its process, passed in so tests can run commands in-process.
export interface CliContext {
  readonly cwd: string;
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly color: boolean;
  readonly version: string;
  exitCode: number;
}
