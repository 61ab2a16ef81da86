// Create and edit a policy: details, a criteria builder (sections ORed, groups ANDed, each group a
// field from the registry with values checked against the field's syntax as they are typed),
// scope and exclusions, a dry run over the current inventory before saving, and save.

import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  ActionGroup,
  Alert,
  Button,
  Card,
  CardBody,
  CardTitle,
  Checkbox,
  Flex,
  FlexItem,
  Form,
  FormGroup,
  FormHelperText,
  FormSection,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  PageSection,
  TextArea,
  TextInput,
  Title,
  Breadcrumb,
  BreadcrumbItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { MinusCircleIcon, PlusCircleIcon } from '@patternfly/react-icons';
import { apiRequest, errorMessage } from '../api/client.ts';
import { usePolicyFields } from '../api/queries.ts';
import type {
  DryRunResult,
  LifecycleStage,
  Policy,
  PolicyField,
  PolicyRecord,
  Severity,
} from '../api/types.ts';
import { ErrorState, Loading, Empty } from '../components/States.tsx';
import { severities, severityName } from '../components/severity.tsx';

interface GroupDraft {
  fieldName: string;
  negate: boolean;
  booleanOperator: 'OR' | 'AND';
  values: string[];
}
interface SectionDraft {
  sectionName: string;
  groups: GroupDraft[];
}
interface ScopeDraft {
  cluster: string;
  namespace: string;
  label: string;
}
interface ExclusionDraft {
  deployment: string;
  namespace: string;
}
interface Draft {
  id: string;
  name: string;
  description: string;
  rationale: string;
  remediation: string;
  severity: Severity;
  stages: LifecycleStage[];
  categories: string;
  sections: SectionDraft[];
  scope: ScopeDraft[];
  exclusions: ExclusionDraft[];
  /** Keys of the loaded policy the form does not edit; kept on save. */
  rest: Record<string, unknown>;
}

const emptyGroup = (): GroupDraft => ({
  fieldName: '',
  negate: false,
  booleanOperator: 'OR',
  values: [''],
});
const blank: Draft = {
  id: '',
  name: '',
  description: '',
  rationale: '',
  remediation: '',
  severity: 'MEDIUM_SEVERITY',
  stages: ['DEPLOY'],
  categories: '',
  sections: [{ sectionName: 'Section 1', groups: [emptyGroup()] }],
  scope: [],
  exclusions: [],
  rest: {},
};

function draftOf(policy: Policy): Draft {
  const {
    id,
    name,
    description,
    rationale,
    remediation,
    severity,
    lifecycleStages,
    categories,
    policySections,
    scope,
    exclusions,
    ...others
  } = policy;
  // `disabled` is kept by the enable switch, not the form.
  const rest = Object.fromEntries(Object.entries(others).filter(([key]) => key !== 'disabled'));
  return {
    id,
    name,
    description: description ?? '',
    rationale: rationale ?? '',
    remediation: remediation ?? '',
    severity,
    stages: [...lifecycleStages],
    categories: (categories ?? []).join(', '),
    sections: policySections.map((s, i) => ({
      sectionName: s.sectionName ?? `Section ${i + 1}`,
      groups: s.policyGroups.map((g) => ({
        fieldName: g.fieldName,
        negate: g.negate ?? false,
        booleanOperator: g.booleanOperator ?? 'OR',
        values: g.values.map((v) => v.value),
      })),
    })),
    scope: (scope ?? []).map((s) => ({
      cluster: s.cluster ?? '',
      namespace: s.namespace ?? '',
      label: s.label ? `${s.label.key}=${s.label.value}` : '',
    })),
    exclusions: (exclusions ?? [])
      .filter((e) => e.deployment)
      .map((e) => ({
        deployment: e.deployment?.name ?? '',
        namespace: e.deployment?.scope?.namespace ?? '',
      })),
    rest,
  };
}

function policyOf(draft: Draft, disabled: boolean): Record<string, unknown> {
  const scopeOf = (s: ScopeDraft) => {
    const [key = '', ...value] = s.label.split('=');
    return {
      ...(s.cluster ? { cluster: s.cluster } : {}),
      ...(s.namespace ? { namespace: s.namespace } : {}),
      ...(s.label ? { label: { key, value: value.join('=') } } : {}),
    };
  };
  return {
    ...draft.rest,
    ...(draft.id ? { id: draft.id } : {}),
    name: draft.name.trim(),
    description: draft.description,
    rationale: draft.rationale,
    remediation: draft.remediation,
    severity: draft.severity,
    disabled,
    lifecycleStages: draft.stages,
    categories: draft.categories
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean),
    policyVersion: '1.1',
    policySections: draft.sections.map((s) => ({
      sectionName: s.sectionName,
      policyGroups: s.groups
        .filter((g) => g.fieldName !== '')
        .map((g) => ({
          fieldName: g.fieldName,
          booleanOperator: g.booleanOperator,
          negate: g.negate,
          values: g.values.filter((v) => v !== '').map((value) => ({ value })),
        })),
    })),
    scope: draft.scope.filter((s) => s.cluster || s.namespace || s.label).map(scopeOf),
    exclusions: draft.exclusions
      .filter((e) => e.deployment)
      .map((e) => ({
        name: `${e.deployment}${e.namespace ? ` in ${e.namespace}` : ''}`,
        deployment: {
          name: e.deployment,
          ...(e.namespace ? { scope: { namespace: e.namespace } } : {}),
        },
      })),
  };
}

/** A value box that checks itself against the field's syntax (debounced) and says what is wrong. */
function ValueInput({
  field,
  value,
  onChange,
  label,
}: {
  readonly field: PolicyField | undefined;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly label: string;
}) {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), 300);
    return () => clearTimeout(timer);
  }, [value]);
  const check = useQuery({
    queryKey: ['field-check', field?.name, settled],
    enabled: field !== undefined && settled !== '' && field.options === null,
    queryFn: () =>
      apiRequest<{ valid: boolean; message: string }>('/api/v1/console/policy-fields/check', {
        method: 'POST',
        body: { field: field?.name ?? '', value: settled },
      }),
    staleTime: Infinity,
  });
  if (field?.options) {
    return (
      <FormSelect aria-label={label} value={value} onChange={(_event, next) => onChange(next)}>
        <FormSelectOption value="" label="Choose a value" isPlaceholder />
        {field.options.map((o) => (
          <FormSelectOption key={o} value={o} label={o} />
        ))}
      </FormSelect>
    );
  }
  const invalid = check.data !== undefined && !check.data.valid && settled === value;
  return (
    <>
      <TextInput
        aria-label={label}
        value={value}
        onChange={(_event, next) => onChange(next)}
        validated={invalid ? 'error' : 'default'}
        placeholder={field?.syntax ?? 'Choose a field first'}
        isDisabled={field === undefined}
      />
      {invalid ? (
        <HelperText>
          <HelperTextItem variant="error">{check.data.message}</HelperTextItem>
        </HelperText>
      ) : null}
    </>
  );
}

function DryRun({ result }: { readonly result: DryRunResult }) {
  return (
    <Card data-testid="dry-run-result">
      <CardTitle>
        Dry run: {result.total} deployment{result.total === 1 ? '' : 's'} would violate this policy
        ({result.evaluated} evaluated)
      </CardTitle>
      <CardBody>
        {result.total === 0 ? (
          <Empty title="No hits" body="No current deployment violates this policy." />
        ) : (
          <Table aria-label="Dry run hits" variant="compact">
            <Thead>
              <Tr>
                <Th>Deployment</Th>
                <Th>Namespace</Th>
                <Th>Cluster</Th>
                <Th>Why</Th>
              </Tr>
            </Thead>
            <Tbody>
              {result.hits.map((h) => (
                <Tr
                  key={`${h.clusterId}/${h.namespace}/${h.workloadKind}/${h.workloadName}`}
                  data-testid="dry-run-hit"
                >
                  <Td dataLabel="Deployment">
                    {h.workloadId ? (
                      <Link to={`/risk/${h.workloadId}`}>{h.workloadName}</Link>
                    ) : (
                      h.workloadName
                    )}{' '}
                    <small>{h.workloadKind}</small>
                  </Td>
                  <Td dataLabel="Namespace">{h.namespace}</Td>
                  <Td dataLabel="Cluster">{h.clusterName}</Td>
                  <Td dataLabel="Why">{h.messages.join('; ')}</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </CardBody>
    </Card>
  );
}

function Editor({
  initial,
  existing,
}: {
  readonly initial: Draft;
  readonly existing: PolicyRecord | null;
}) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const fields = usePolicyFields();
  const [draft, setDraft] = useState<Draft>(initial);
  const update = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const updateGroup = (si: number, gi: number, change: Partial<GroupDraft>) =>
    setDraft((d) => ({
      ...d,
      sections: d.sections.map((s, i) =>
        i !== si
          ? s
          : { ...s, groups: s.groups.map((g, j) => (j !== gi ? g : { ...g, ...change })) },
      ),
    }));
  const fieldByName = new Map((fields.data?.items ?? []).map((f) => [f.name, f]));
  // The field picker offers the fields that apply at one of the chosen stages.
  const offered = (fields.data?.items ?? []).filter((f) =>
    f.stages.some((s) => draft.stages.includes(s)),
  );

  const dryRun = useMutation({
    mutationFn: () =>
      apiRequest<DryRunResult>('/api/v1/console/dry-run', {
        method: 'POST',
        body: { policy: policyOf(draft, false) },
      }),
  });
  const save = useMutation({
    mutationFn: () => {
      const body = policyOf(draft, existing?.disabled ?? false);
      return existing
        ? apiRequest<PolicyRecord>(`/api/v1/policies/${encodeURIComponent(existing.id)}`, {
            method: 'PUT',
            body,
          })
        : apiRequest<PolicyRecord>('/api/v1/policies', { method: 'POST', body });
    },
    onSuccess: async (record) => {
      await Promise.all(
        [['policies'], ['policy'], ['alerts'], ['summary'], ['alert-counts']].map((queryKey) =>
          client.invalidateQueries({ queryKey }),
        ),
      );
      void navigate(`/policies/${encodeURIComponent(record.id)}`);
    },
  });
  const problems: string[] = [];
  if (draft.name.trim() === '') problems.push('Give the policy a name.');
  if (draft.stages.length === 0) problems.push('Choose at least one lifecycle stage.');
  if (
    !draft.sections.some((s) =>
      s.groups.some((g) => g.fieldName !== '' && g.values.some((v) => v !== '')),
    )
  )
    problems.push('Add at least one criterion with a value.');

  return (
    <Form
      onSubmit={(event) => {
        event.preventDefault();
        if (problems.length === 0) save.mutate();
      }}
      aria-label="Policy"
    >
      <FormSection title="Details" titleElement="h2">
        <FormGroup label="Name" isRequired fieldId="policy-name">
          <TextInput
            id="policy-name"
            value={draft.name}
            onChange={(_e, v) => update({ name: v })}
            isRequired
          />
        </FormGroup>
        <Flex>
          <FlexItem>
            <FormGroup label="Severity" fieldId="policy-severity">
              <FormSelect
                id="policy-severity"
                value={draft.severity}
                onChange={(_e, v) => update({ severity: v as Severity })}
              >
                {severities.map((s) => (
                  <FormSelectOption key={s} value={s} label={severityName(s)} />
                ))}
              </FormSelect>
            </FormGroup>
          </FlexItem>
          <FlexItem>
            <FormGroup label="Lifecycle stages" role="group" isInline fieldId="policy-stages">
              {(['BUILD', 'DEPLOY', 'RUNTIME'] as const).map((stage) => (
                <Checkbox
                  key={stage}
                  id={`stage-${stage}`}
                  label={stage.charAt(0) + stage.slice(1).toLowerCase()}
                  isChecked={draft.stages.includes(stage)}
                  onChange={(_e, checked) =>
                    update({
                      stages: checked
                        ? [...draft.stages, stage]
                        : draft.stages.filter((s) => s !== stage),
                    })
                  }
                />
              ))}
            </FormGroup>
          </FlexItem>
          <FlexItem grow={{ default: 'grow' }}>
            <FormGroup label="Categories" fieldId="policy-categories">
              <TextInput
                id="policy-categories"
                value={draft.categories}
                onChange={(_e, v) => update({ categories: v })}
                placeholder="Comma-separated, e.g. Privileges, Docker CIS"
              />
            </FormGroup>
          </FlexItem>
        </Flex>
        <FormGroup label="Description" fieldId="policy-description">
          <TextArea
            id="policy-description"
            value={draft.description}
            onChange={(_e, v) => update({ description: v })}
            rows={2}
          />
        </FormGroup>
        <FormGroup label="Rationale" fieldId="policy-rationale">
          <TextArea
            id="policy-rationale"
            value={draft.rationale}
            onChange={(_e, v) => update({ rationale: v })}
            rows={2}
          />
        </FormGroup>
        <FormGroup label="Remediation" fieldId="policy-remediation">
          <TextArea
            id="policy-remediation"
            value={draft.remediation}
            onChange={(_e, v) => update({ remediation: v })}
            rows={2}
          />
        </FormGroup>
      </FormSection>

      <FormSection title="Criteria" titleElement="h2">
        <HelperText>
          <HelperTextItem>
            A deployment violates the policy when any section matches; a section matches when all
            its criteria do.
          </HelperTextItem>
        </HelperText>
        {fields.isPending ? <Loading what="the criteria fields" /> : null}
        {fields.isError ? <ErrorState error={fields.error} what="the criteria fields" /> : null}
        {draft.sections.map((section, si) => (
          <Card key={si} isCompact data-testid="criteria-section">
            <CardTitle>
              <Flex>
                <FlexItem grow={{ default: 'grow' }}>
                  <TextInput
                    aria-label={`Section ${si + 1} name`}
                    value={section.sectionName}
                    onChange={(_e, v) =>
                      setDraft((d) => ({
                        ...d,
                        sections: d.sections.map((s, i) =>
                          i === si ? { ...s, sectionName: v } : s,
                        ),
                      }))
                    }
                  />
                </FlexItem>
                {draft.sections.length > 1 ? (
                  <Button
                    variant="link"
                    isDanger
                    icon={<MinusCircleIcon />}
                    onClick={() =>
                      setDraft((d) => ({ ...d, sections: d.sections.filter((_s, i) => i !== si) }))
                    }
                  >
                    Remove section
                  </Button>
                ) : null}
              </Flex>
            </CardTitle>
            <CardBody>
              {section.groups.map((group, gi) => {
                const field = fieldByName.get(group.fieldName);
                const where = `section ${si + 1} criterion ${gi + 1}`;
                return (
                  <div
                    key={gi}
                    style={{
                      borderLeft: '3px solid var(--pf-t--global--border--color--default)',
                      paddingLeft: 12,
                      marginBottom: 12,
                    }}
                  >
                    <Flex alignItems={{ default: 'alignItemsFlexStart' }}>
                      <FlexItem style={{ minWidth: 260 }}>
                        <FormSelect
                          aria-label={`Field of ${where}`}
                          value={group.fieldName}
                          onChange={(_e, v) =>
                            updateGroup(si, gi, { fieldName: v, values: [''], negate: false })
                          }
                        >
                          <FormSelectOption value="" label="Choose a field" isPlaceholder />
                          {offered.map((f) => (
                            <FormSelectOption key={f.name} value={f.name} label={f.name} />
                          ))}
                        </FormSelect>
                        {field ? (
                          <HelperText>
                            <HelperTextItem>
                              {field.description} Values: {field.syntax}.
                            </HelperTextItem>
                          </HelperText>
                        ) : null}
                      </FlexItem>
                      {field?.negatable ? (
                        <Checkbox
                          id={`negate-${si}-${gi}`}
                          label="Not"
                          isChecked={group.negate}
                          onChange={(_e, checked) => updateGroup(si, gi, { negate: checked })}
                        />
                      ) : null}
                      <FlexItem grow={{ default: 'grow' }}>
                        {group.values.map((value, vi) => (
                          <Flex key={vi} style={{ marginBottom: 4 }}>
                            <FlexItem grow={{ default: 'grow' }}>
                              <ValueInput
                                field={field}
                                value={value}
                                label={`Value ${vi + 1} of ${where}`}
                                onChange={(v) =>
                                  updateGroup(si, gi, {
                                    values: group.values.map((x, k) => (k === vi ? v : x)),
                                  })
                                }
                              />
                            </FlexItem>
                            {group.values.length > 1 ? (
                              <Button
                                variant="plain"
                                aria-label={`Remove value ${vi + 1} of ${where}`}
                                onClick={() =>
                                  updateGroup(si, gi, {
                                    values: group.values.filter((_x, k) => k !== vi),
                                  })
                                }
                              >
                                <MinusCircleIcon />
                              </Button>
                            ) : null}
                          </Flex>
                        ))}
                        {field?.multiple ? (
                          <Flex>
                            <Button
                              variant="link"
                              isInline
                              icon={<PlusCircleIcon />}
                              onClick={() => updateGroup(si, gi, { values: [...group.values, ''] })}
                            >
                              Add value
                            </Button>
                            {group.values.length > 1 ? (
                              <FormSelect
                                aria-label={`How the values of ${where} combine`}
                                value={group.booleanOperator}
                                onChange={(_e, v) =>
                                  updateGroup(si, gi, {
                                    booleanOperator: v === 'AND' ? 'AND' : 'OR',
                                  })
                                }
                                style={{ width: 160 }}
                              >
                                <FormSelectOption value="OR" label="any value (or)" />
                                <FormSelectOption value="AND" label="all values (and)" />
                              </FormSelect>
                            ) : null}
                          </Flex>
                        ) : null}
                      </FlexItem>
                      <Button
                        variant="plain"
                        aria-label={`Remove ${where}`}
                        onClick={() =>
                          setDraft((d) => ({
                            ...d,
                            sections: d.sections.map((s, i) =>
                              i === si ? { ...s, groups: s.groups.filter((_g, j) => j !== gi) } : s,
                            ),
                          }))
                        }
                      >
                        <MinusCircleIcon />
                      </Button>
                    </Flex>
                  </div>
                );
              })}
              <Button
                variant="link"
                icon={<PlusCircleIcon />}
                onClick={() =>
                  setDraft((d) => ({
                    ...d,
                    sections: d.sections.map((s, i) =>
                      i === si ? { ...s, groups: [...s.groups, emptyGroup()] } : s,
                    ),
                  }))
                }
              >
                Add criterion
              </Button>
            </CardBody>
          </Card>
        ))}
        <div>
          <Button
            variant="secondary"
            icon={<PlusCircleIcon />}
            onClick={() =>
              setDraft((d) => ({
                ...d,
                sections: [
                  ...d.sections,
                  { sectionName: `Section ${d.sections.length + 1}`, groups: [emptyGroup()] },
                ],
              }))
            }
          >
            Add section (or)
          </Button>
        </div>
      </FormSection>

      <FormSection title="Scope and exclusions" titleElement="h2">
        <HelperText>
          <HelperTextItem>
            Without a scope the policy applies everywhere. Values are regexes, as in StackRox.
          </HelperTextItem>
        </HelperText>
        {draft.scope.map((s, i) => (
          <Flex key={i}>
            <TextInput
              aria-label={`Scope ${i + 1} cluster`}
              placeholder="Cluster"
              value={s.cluster}
              onChange={(_e, v) =>
                update({ scope: draft.scope.map((x, k) => (k === i ? { ...x, cluster: v } : x)) })
              }
            />
            <TextInput
              aria-label={`Scope ${i + 1} namespace`}
              placeholder="Namespace"
              value={s.namespace}
              onChange={(_e, v) =>
                update({ scope: draft.scope.map((x, k) => (k === i ? { ...x, namespace: v } : x)) })
              }
            />
            <TextInput
              aria-label={`Scope ${i + 1} label`}
              placeholder="label key=value"
              value={s.label}
              onChange={(_e, v) =>
                update({ scope: draft.scope.map((x, k) => (k === i ? { ...x, label: v } : x)) })
              }
            />
            <Button
              variant="plain"
              aria-label={`Remove scope ${i + 1}`}
              onClick={() => update({ scope: draft.scope.filter((_x, k) => k !== i) })}
            >
              <MinusCircleIcon />
            </Button>
          </Flex>
        ))}
        <div>
          <Button
            variant="link"
            icon={<PlusCircleIcon />}
            onClick={() =>
              update({ scope: [...draft.scope, { cluster: '', namespace: '', label: '' }] })
            }
          >
            Add scope
          </Button>
        </div>
        {draft.exclusions.map((e, i) => (
          <Flex key={i}>
            <TextInput
              aria-label={`Exclusion ${i + 1} deployment`}
              placeholder="Deployment name"
              value={e.deployment}
              onChange={(_e, v) =>
                update({
                  exclusions: draft.exclusions.map((x, k) =>
                    k === i ? { ...x, deployment: v } : x,
                  ),
                })
              }
            />
            <TextInput
              aria-label={`Exclusion ${i + 1} namespace`}
              placeholder="Namespace (optional)"
              value={e.namespace}
              onChange={(_e, v) =>
                update({
                  exclusions: draft.exclusions.map((x, k) =>
                    k === i ? { ...x, namespace: v } : x,
                  ),
                })
              }
            />
            <Button
              variant="plain"
              aria-label={`Remove exclusion ${i + 1}`}
              onClick={() => update({ exclusions: draft.exclusions.filter((_x, k) => k !== i) })}
            >
              <MinusCircleIcon />
            </Button>
          </Flex>
        ))}
        <div>
          <Button
            variant="link"
            icon={<PlusCircleIcon />}
            onClick={() =>
              update({ exclusions: [...draft.exclusions, { deployment: '', namespace: '' }] })
            }
          >
            Add excluded deployment
          </Button>
        </div>
      </FormSection>

      {problems.length > 0 ? (
        <FormHelperText>
          <HelperText>
            {problems.map((p) => (
              <HelperTextItem key={p} variant="warning">
                {p}
              </HelperTextItem>
            ))}
          </HelperText>
        </FormHelperText>
      ) : null}
      {dryRun.isError ? (
        <Alert variant="danger" isInline title={`Dry run failed: ${errorMessage(dryRun.error)}`} />
      ) : null}
      {save.isError ? (
        <Alert variant="danger" isInline title={`Could not save: ${errorMessage(save.error)}`} />
      ) : null}
      {dryRun.data ? <DryRun result={dryRun.data} /> : null}
      <ActionGroup>
        <Button
          variant="secondary"
          onClick={() => dryRun.mutate()}
          isDisabled={problems.length > 0}
          isLoading={dryRun.isPending}
        >
          Dry run
        </Button>
        <Button
          variant="primary"
          type="submit"
          isDisabled={problems.length > 0}
          isLoading={save.isPending}
        >
          {existing ? 'Save' : 'Create policy'}
        </Button>
        <Button
          variant="link"
          component={(props) => (
            <Link
              {...props}
              to={existing ? `/policies/${encodeURIComponent(existing.id)}` : '/policies'}
            />
          )}
        >
          Cancel
        </Button>
      </ActionGroup>
    </Form>
  );
}

export default function PolicyEditor() {
  const { id } = useParams();
  const existing = useQuery({
    queryKey: ['policy', id],
    enabled: id !== undefined,
    queryFn: () => apiRequest<PolicyRecord>(`/api/v1/policies/${encodeURIComponent(id ?? '')}`),
  });
  const title = id === undefined ? 'Create policy' : `Edit ${existing.data?.name ?? 'policy'}`;
  return (
    <>
      <PageSection>
        <Breadcrumb>
          <BreadcrumbItem
            render={({ className }) => (
              <Link className={className} to="/policies">
                Policies
              </Link>
            )}
          />
          <BreadcrumbItem isActive>{title}</BreadcrumbItem>
        </Breadcrumb>
        <Title headingLevel="h1" style={{ marginTop: 8 }}>
          {title}
        </Title>
      </PageSection>
      <PageSection>
        {id === undefined ? (
          <Editor initial={blank} existing={null} />
        ) : existing.isPending ? (
          <Loading what="the policy" />
        ) : existing.isError ? (
          <ErrorState
            error={existing.error}
            what="the policy"
            retry={() => void existing.refetch()}
          />
        ) : (
          <Editor
            key={existing.data.updatedAt}
            initial={draftOf(existing.data.policy)}
            existing={existing.data}
          />
        )}
      </PageSection>
    </>
  );
}
