// Background work of one Central process (re-evaluation after a policy change): started after
// the response, failures logged and never lost silently, and idle() lets shutdown and tests
// wait for it. Not a cross-replica queue: that needs the store's SKIP LOCKED job table.

import type { Logger } from 'pino';

export class BackgroundJobs {
  private readonly running = new Set<Promise<void>>();
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** Starts a job now; its failure is logged with its name. */
  run(name: string, job: () => Promise<unknown>): void {
    const started = job().then(
      () => undefined,
      (error: unknown) => {
        this.logger.error({ err: error, job: name }, 'background job failed');
      },
    );
    this.running.add(started);
    void started.finally(() => this.running.delete(started));
  }

  /** Resolves when every job started so far (and any they started) has finished. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
