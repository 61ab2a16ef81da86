// The one compound filter of the console: pick an attribute, give a value, and it becomes a chip;
// chips of one attribute are ORed, attributes ANDed (Central's search syntax). The text lives in
// the URL (`q`) so any filtered view can be linked; used by every list page.

import { useState, type FormEvent } from 'react';
import {
  Button,
  FormSelect,
  FormSelectOption,
  Label,
  LabelGroup,
  TextInput,
  Toolbar,
  ToolbarContent,
  ToolbarGroup,
  ToolbarItem,
} from '@patternfly/react-core';
import { addValue, removeValue, type FilterClause } from './filter-query.ts';

export interface FilterAttribute {
  readonly field: string;
  /** Fixed choices (a select); free text when absent. */
  readonly options?: readonly string[];
  /** Suggestions for free text (a datalist). */
  readonly suggestions?: readonly string[];
  readonly placeholder?: string;
}

export interface FilterBarProps {
  readonly attributes: readonly FilterAttribute[];
  readonly clauses: readonly FilterClause[];
  readonly onChange: (clauses: FilterClause[]) => void;
  /** Controls shown after the filter (bulk actions, export). */
  readonly actions?: React.ReactNode;
  readonly label: string;
}

export function FilterBar({ attributes, clauses, onChange, actions, label }: FilterBarProps) {
  const [field, setField] = useState(attributes[0]?.field ?? '');
  const [value, setValue] = useState('');
  const attribute = attributes.find((a) => a.field === field);
  const listId = `filter-suggestions-${label.replace(/\W+/g, '-')}`;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const chosen = value.trim() || (attribute?.options?.[0] ?? '');
    if (chosen === '' || field === '') return;
    onChange(addValue(clauses, field, chosen));
    setValue('');
  };

  return (
    <Toolbar aria-label={`${label} filters`} clearAllFilters={() => onChange([])}>
      <ToolbarContent>
        <ToolbarGroup variant="filter-group">
          <ToolbarItem>
            <form
              onSubmit={submit}
              style={{ display: 'flex', gap: 8 }}
              aria-label={`Filter ${label}`}
            >
              <FormSelect
                aria-label="Filter attribute"
                value={field}
                onChange={(_event, next) => {
                  setField(next);
                  setValue('');
                }}
                style={{ minWidth: 150 }}
              >
                {attributes.map((a) => (
                  <FormSelectOption key={a.field} value={a.field} label={a.field} />
                ))}
              </FormSelect>
              {attribute?.options ? (
                <FormSelect
                  aria-label="Filter value"
                  value={value || attribute.options[0]}
                  onChange={(_event, next) => setValue(next)}
                  style={{ minWidth: 140 }}
                >
                  {attribute.options.map((o) => (
                    <FormSelectOption key={o} value={o} label={o} />
                  ))}
                </FormSelect>
              ) : (
                <>
                  <TextInput
                    aria-label="Filter value"
                    value={value}
                    onChange={(_event, next) => setValue(next)}
                    placeholder={attribute?.placeholder ?? `Filter by ${field.toLowerCase()}`}
                    list={attribute?.suggestions ? listId : undefined}
                    style={{ minWidth: 200 }}
                  />
                  {attribute?.suggestions ? (
                    <datalist id={listId}>
                      {attribute.suggestions.map((s) => (
                        <option key={s} value={s} />
                      ))}
                    </datalist>
                  ) : null}
                </>
              )}
              <Button type="submit" variant="control" aria-label="Add filter">
                Add
              </Button>
            </form>
          </ToolbarItem>
        </ToolbarGroup>
        {actions ? <ToolbarGroup align={{ default: 'alignEnd' }}>{actions}</ToolbarGroup> : null}
      </ToolbarContent>
      {clauses.length > 0 ? (
        <ToolbarContent>
          <ToolbarItem>
            <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'center' }}>
              {clauses.map((clause) => (
                <LabelGroup
                  key={clause.field}
                  categoryName={clause.field}
                  isClosable
                  closeBtnAriaLabel={`Remove the ${clause.field} filter`}
                  onClick={() => onChange(removeValue(clauses, clause.field, null))}
                >
                  {clause.values.map((v) => (
                    <Label
                      key={v}
                      variant="outline"
                      onClose={() => onChange(removeValue(clauses, clause.field, v))}
                      closeBtnAriaLabel={`Remove ${clause.field} ${v}`}
                    >
                      {v}
                    </Label>
                  ))}
                </LabelGroup>
              ))}
              <Button variant="link" isInline onClick={() => onChange([])}>
                Clear all filters
              </Button>
            </div>
          </ToolbarItem>
        </ToolbarContent>
      ) : null}
    </Toolbar>
  );
}
