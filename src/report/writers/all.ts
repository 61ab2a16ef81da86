// The explicit list of report writers; ids must be unique.
import type { ReportWriter } from '../writer.ts';
import { csvWriter } from './csv.ts';
import { jsonWriter } from './json.ts';
import { junitWriter } from './junit.ts';
import { sarifWriter } from './sarif.ts';
import { tableWriter } from './table.ts';

function register(writers: readonly ReportWriter[]): ReadonlyMap<string, ReportWriter> {
  const map = new Map<string, ReportWriter>();
  for (const writer of writers) {
    if (map.has(writer.id)) throw new Error(`report writer '${writer.id}' is registered twice`);
    map.set(writer.id, writer);
  }
  return map;
}

export const writers = register([tableWriter, jsonWriter, sarifWriter, junitWriter, csvWriter]);
