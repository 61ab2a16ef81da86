// The criteria field registry: every field by name, with one definition per subject level it
// applies to. Registering the same name twice on one level throws.

import type { SubjectKind } from '../model/index.ts';
import { levels } from './field.ts';
import type { FieldDefinition } from './field.ts';
import { allFields } from './fields/all.ts';

export class FieldRegistry {
  private readonly byName = new Map<string, FieldDefinition[]>();

  constructor(fields: readonly FieldDefinition[]) {
    for (const field of fields) this.register(field);
  }

  register(field: FieldDefinition): void {
    const existing = this.byName.get(field.name) ?? [];
    for (const other of existing) {
      if (other.levels.some((l) => field.levels.includes(l))) {
        throw new Error(
          `criteria field '${field.name}' is registered twice on level ${field.levels.join(', ')}`,
        );
      }
    }
    this.byName.set(field.name, [...existing, field]);
  }

  /** All definitions of a field name (case-sensitive, StackRox spelling); empty when unknown. */
  definitions(name: string): readonly FieldDefinition[] {
    return this.byName.get(name) ?? [];
  }

  /** The definition of a field for policies whose subject is `root`. */
  forRoot(name: string, root: SubjectKind): FieldDefinition | undefined {
    return this.definitions(name).find((f) => f.levels.some((l) => levels[l].root === root));
  }

  /** Suggests the closest known name, for "unknown field" errors. */
  suggest(name: string): string | undefined {
    const lower = name.toLowerCase();
    return [...this.byName.keys()].find(
      (k) => k.toLowerCase() === lower || k.toLowerCase().startsWith(lower.slice(0, 6)),
    );
  }

  all(): FieldDefinition[] {
    return [...this.byName.values()].flat();
  }
}

export const defaultRegistry = new FieldRegistry(allFields);
