// Counts writes to the database so that readers can keep a result until the data changes
// (Central's read cache). On PGlite this process is the only writer; on PostgreSQL other
// Central replicas write too, and their commits arrive as notifications on one channel.

/** The notification channel every Central replica signals after a committed write. */
export const writeChannel = 'palisade_writes';

export class WriteClock {
  #generation = 0;
  #trusted = true;

  /** Changes whenever a write may have happened. */
  get generation(): number {
    return this.#generation;
  }

  /** False while writes by other processes could go unseen: results must not be cached. */
  get trusted(): boolean {
    return this.#trusted;
  }

  tick(): void {
    this.#generation++;
  }

  setTrusted(trusted: boolean): void {
    this.#trusted = trusted;
    this.#generation++;
  }
}

/** A plain SELECT reads only; anything else (DML, DDL, locking reads) counts as a write. */
export function isReadOnly(sql: string): boolean {
  return /^\s*SELECT\b/i.test(sql) && !/\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE)\b/i.test(sql);
}
