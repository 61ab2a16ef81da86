// Policies: the table (search, enable/disable switches, severity, stages, categories), a detail
// drawer with the criteria, scope and exclusions, import and export of StackRox JSON, CSV export.

import { useRef, useState } from 'react';
import { Link, useNavigate, useParams, useLocation } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  AlertActionCloseButton,
  Button,
  CodeBlock,
  CodeBlockCode,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Drawer,
  DrawerActions,
  DrawerCloseButton,
  DrawerContent,
  DrawerContentBody,
  DrawerHead,
  DrawerPanelBody,
  DrawerPanelContent,
  Flex,
  Label,
  LabelGroup,
  PageSection,
  Pagination,
  Switch,
  Title,
  ToolbarItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { apiRequest, errorMessage, queryString } from '../api/client.ts';
import type { Page, PolicyRecord } from '../api/types.ts';
import { useIdentity } from '../App.tsx';
import { FilterBar } from '../components/FilterBar.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { SeverityLabel } from '../components/severity.tsx';
import { downloadText, toCsv } from '../components/csv.ts';
import { useUrlState } from '../components/url-state.ts';

type Notice = { kind: 'success' | 'danger'; text: string } | null;

function useInvalidatePolicies() {
  const client = useQueryClient();
  return () =>
    Promise.all(
      [['policies'], ['policy'], ['alerts'], ['summary'], ['alert-counts']].map((queryKey) =>
        client.invalidateQueries({ queryKey }),
      ),
    );
}

function PolicyPanel({ id, onClose }: { readonly id: string; readonly onClose: () => void }) {
  const { canWrite } = useIdentity();
  const record = useQuery({
    queryKey: ['policy', id],
    queryFn: () => apiRequest<PolicyRecord>(`/api/v1/policies/${encodeURIComponent(id)}`),
  });
  let body: React.ReactNode;
  if (record.isPending) body = <Loading what="the policy" />;
  else if (record.isError) body = <ErrorState error={record.error} what="the policy" />;
  else {
    const p = record.data.policy;
    body = (
      <>
        <DescriptionList isCompact>
          <DescriptionListGroup>
            <DescriptionListTerm>Severity</DescriptionListTerm>
            <DescriptionListDescription>
              <SeverityLabel severity={p.severity} />{' '}
              {record.data.disabled ? <Label isCompact>Disabled</Label> : null}
            </DescriptionListDescription>
          </DescriptionListGroup>
          {p.description ? (
            <DescriptionListGroup>
              <DescriptionListTerm>Description</DescriptionListTerm>
              <DescriptionListDescription>{p.description}</DescriptionListDescription>
            </DescriptionListGroup>
          ) : null}
          {p.rationale ? (
            <DescriptionListGroup>
              <DescriptionListTerm>Rationale</DescriptionListTerm>
              <DescriptionListDescription>{p.rationale}</DescriptionListDescription>
            </DescriptionListGroup>
          ) : null}
          {p.remediation ? (
            <DescriptionListGroup>
              <DescriptionListTerm>Remediation</DescriptionListTerm>
              <DescriptionListDescription>{p.remediation}</DescriptionListDescription>
            </DescriptionListGroup>
          ) : null}
          <DescriptionListGroup>
            <DescriptionListTerm>Lifecycle stages</DescriptionListTerm>
            <DescriptionListDescription>{p.lifecycleStages.join(', ')}</DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>Criteria</DescriptionListTerm>
            <DescriptionListDescription>
              {p.policySections.map((section, i) => (
                <div key={i} style={{ marginBottom: 8 }}>
                  <strong>{section.sectionName || `Section ${i + 1}`}</strong>
                  {i > 0 ? ' (or)' : ''}
                  <ul>
                    {section.policyGroups.map((g, j) => (
                      <li key={j}>
                        {g.fieldName} {g.negate ? 'is not' : 'is'}{' '}
                        {g.values
                          .map((v) => v.value)
                          .join(g.booleanOperator === 'AND' ? ' and ' : ' or ')}
                      </li>
                    ))}
                  </ul>
                </div>
              ))}
            </DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>Scope</DescriptionListTerm>
            <DescriptionListDescription>
              {(p.scope ?? []).length === 0
                ? 'Everything'
                : (p.scope ?? [])
                    .map((s) =>
                      [s.cluster, s.namespace, s.label ? `${s.label.key}=${s.label.value}` : '']
                        .filter(Boolean)
                        .join(' / '),
                    )
                    .join('; ')}
            </DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>Exclusions</DescriptionListTerm>
            <DescriptionListDescription>
              {(p.exclusions ?? []).length === 0
                ? 'None'
                : (p.exclusions ?? [])
                    .map((e) => e.name || e.deployment?.name || e.image?.name)
                    .join('; ')}
            </DescriptionListDescription>
          </DescriptionListGroup>
          {(p.references ?? []).length > 0 ? (
            <DescriptionListGroup>
              <DescriptionListTerm>References</DescriptionListTerm>
              <DescriptionListDescription>
                <LabelGroup numLabels={8}>
                  {(p.references ?? []).map((r) => (
                    <Label key={r} isCompact>
                      {r}
                    </Label>
                  ))}
                </LabelGroup>
              </DescriptionListDescription>
            </DescriptionListGroup>
          ) : null}
        </DescriptionList>
        <Flex style={{ marginTop: 16 }}>
          <Button
            variant="secondary"
            component={(props) => (
              <Link
                {...props}
                to={`/violations?q=${encodeURIComponent(`State:ACTIVE+Policy:"${p.id}"`)}`}
              />
            )}
          >
            Violations of this policy
          </Button>
          {canWrite ? (
            <Button
              variant="primary"
              component={(props) => (
                <Link {...props} to={`/policies/${encodeURIComponent(p.id)}/edit`} />
              )}
            >
              Edit
            </Button>
          ) : null}
          <Button
            variant="link"
            onClick={() => {
              void apiRequest<unknown>(
                `/api/v1/policies/export?id=${encodeURIComponent(p.id)}`,
              ).then((json) =>
                downloadText(
                  `${p.id}.json`,
                  `${JSON.stringify(json, null, 2)}\n`,
                  'application/json',
                ),
              );
            }}
          >
            Export JSON
          </Button>
        </Flex>
      </>
    );
  }
  return (
    <DrawerPanelContent
      widths={{ default: 'width_100', lg: 'width_50', xl: 'width_50' }}
      aria-label="Policy detail"
    >
      <DrawerHead>
        <Title headingLevel="h2" size="lg">
          {record.data?.name ?? 'Policy'}
        </Title>
        <DrawerActions>
          <DrawerCloseButton onClick={onClose} aria-label="Close the policy detail" />
        </DrawerActions>
      </DrawerHead>
      <DrawerPanelBody>{body}</DrawerPanelBody>
    </DrawerPanelContent>
  );
}

export default function Policies() {
  const { id } = useParams();
  const { canWrite } = useIdentity();
  const navigate = useNavigate();
  const location = useLocation();
  const url = useUrlState();
  const invalidate = useInvalidatePolicies();
  const fileInput = useRef<HTMLInputElement>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const perPage = Number(url.get('perPage')) || 50;
  const page = Number(url.get('page')) || 1;
  const sort = url.get('sort') || 'name';

  const policies = useQuery({
    queryKey: ['policies', url.query, sort, page, perPage],
    queryFn: () =>
      apiRequest<Page<PolicyRecord>>(
        `/api/v1/policies${queryString({ query: url.query, sort, limit: perPage, offset: (page - 1) * perPage })}`,
      ),
    placeholderData: (previous) => previous,
  });

  const toggle = useMutation({
    mutationFn: ({ policyId, enable }: { policyId: string; enable: boolean }) =>
      apiRequest<PolicyRecord>(
        `/api/v1/policies/${encodeURIComponent(policyId)}/${enable ? 'enable' : 'disable'}`,
        {
          method: 'POST',
        },
      ),
    onSuccess: async (record) => {
      setNotice({
        kind: 'success',
        text: record.disabled
          ? `'${record.name}' disabled; its active violations resolve in the background.`
          : `'${record.name}' enabled; the inventory is re-evaluated in the background.`,
      });
      await invalidate();
    },
    onError: (error) => setNotice({ kind: 'danger', text: errorMessage(error) }),
  });

  const importFile = useMutation({
    mutationFn: async (file: File) => {
      let body: unknown;
      try {
        body = JSON.parse(await file.text());
      } catch {
        throw new Error(
          `${file.name} is not JSON: export policies from StackRox or Palisade as JSON.`,
        );
      }
      return apiRequest<{ imported: { id: string; name: string }[] }>('/api/v1/policies/import', {
        method: 'POST',
        body,
      });
    },
    onSuccess: async (result) => {
      setNotice({
        kind: 'success',
        text: `Imported ${result.imported.length} polic${result.imported.length === 1 ? 'y' : 'ies'}: ${result.imported.map((p) => p.name).join(', ')}`,
      });
      await invalidate();
    },
    onError: (error) =>
      setNotice({
        kind: 'danger',
        text: error instanceof Error && !('status' in error) ? error.message : errorMessage(error),
      }),
  });

  const exportAll = async () => {
    const ids = (policies.data?.items ?? []).map((p) => p.id);
    const json = await apiRequest<unknown>(
      `/api/v1/policies/export${url.clauses.length > 0 ? `?id=${encodeURIComponent(ids.join(','))}` : ''}`,
    );
    downloadText(
      'palisade-policies.json',
      `${JSON.stringify(json, null, 2)}\n`,
      'application/json',
    );
  };

  const exportCsv = () =>
    downloadText(
      'palisade-policies.csv',
      toCsv(
        ['id', 'name', 'severity', 'enabled', 'stages', 'categories'],
        (policies.data?.items ?? []).map((p) => [
          p.id,
          p.name,
          p.severity,
          !p.disabled,
          p.policy.lifecycleStages.join(' '),
          (p.policy.categories ?? []).join('; '),
        ]),
      ),
    );

  const sortParams = (key: string, columnIndex: number) => ({
    sortBy: {
      index: sort.replace(/^-/, '') === key ? columnIndex : -1,
      direction: sort.startsWith('-') ? ('desc' as const) : ('asc' as const),
    },
    onSort: (_event: unknown, _index: number, direction: 'asc' | 'desc') =>
      url.set({ sort: direction === 'desc' ? `-${key}` : key, page: null }),
    columnIndex,
  });

  const open = (policyId: string | null) =>
    void navigate({
      pathname: policyId ? `/policies/${encodeURIComponent(policyId)}` : '/policies',
      search: location.search,
    });

  const table = policies.isPending ? (
    <Loading what="policies" />
  ) : policies.isError ? (
    <ErrorState error={policies.error} what="policies" retry={() => void policies.refetch()} />
  ) : policies.data.total === 0 ? (
    <Empty title="No policies match" body="Change the filters, or create a policy." />
  ) : (
    <>
      <Table aria-label="Policies" variant="compact" isStriped>
        <Thead>
          <Tr>
            <Th sort={sortParams('name', 0)}>Policy</Th>
            <Th>Enabled</Th>
            <Th sort={sortParams('severity', 2)}>Severity</Th>
            <Th>Stages</Th>
            <Th>Categories</Th>
          </Tr>
        </Thead>
        <Tbody>
          {policies.data.items.map((p) => (
            <Tr key={p.id} isRowSelected={p.id === id} data-testid="policy-row">
              <Td dataLabel="Policy">
                <Button variant="link" isInline onClick={() => open(p.id)}>
                  {p.name}
                </Button>
              </Td>
              <Td dataLabel="Enabled">
                <Switch
                  id={`enable-${p.id}`}
                  aria-label={`${p.name} enabled`}
                  isChecked={!p.disabled}
                  isDisabled={!canWrite || toggle.isPending}
                  onChange={(_event, checked) => toggle.mutate({ policyId: p.id, enable: checked })}
                />
              </Td>
              <Td dataLabel="Severity">
                <SeverityLabel severity={p.severity} />
              </Td>
              <Td dataLabel="Stages">{p.policy.lifecycleStages.join(', ')}</Td>
              <Td dataLabel="Categories">{(p.policy.categories ?? []).join(', ')}</Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
      <Pagination
        itemCount={policies.data.total}
        perPage={perPage}
        page={page}
        onSetPage={(_event, next) => url.set({ page: next })}
        onPerPageSelect={(_event, next) => url.set({ perPage: next, page: null })}
        variant="bottom"
        titles={{ paginationAriaLabel: 'Policies pagination' }}
      />
    </>
  );

  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Policies</Title>
      </PageSection>
      <PageSection>
        <Drawer isExpanded={id !== undefined} isInline>
          <DrawerContent
            panelContent={id ? <PolicyPanel id={id} onClose={() => open(null)} /> : undefined}
          >
            <DrawerContentBody>
              {notice ? (
                <Alert
                  isInline
                  variant={notice.kind}
                  title={notice.text}
                  data-testid="policies-notice"
                  actionClose={<AlertActionCloseButton onClose={() => setNotice(null)} />}
                />
              ) : null}
              <FilterBar
                label="policies"
                attributes={[
                  { field: 'Policy' },
                  { field: 'Severity', options: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] },
                  { field: 'Category' },
                  { field: 'Lifecycle Stage', options: ['DEPLOY', 'BUILD', 'RUNTIME'] },
                  { field: 'Enabled', options: ['true', 'false'] },
                ]}
                clauses={url.clauses}
                onChange={url.setClauses}
                actions={
                  <>
                    {canWrite ? (
                      <>
                        <ToolbarItem>
                          <Button
                            variant="primary"
                            component={(props) => <Link {...props} to="/policies/new" />}
                          >
                            Create policy
                          </Button>
                        </ToolbarItem>
                        <ToolbarItem>
                          <Button
                            variant="secondary"
                            onClick={() => fileInput.current?.click()}
                            isLoading={importFile.isPending}
                          >
                            Import
                          </Button>
                          <input
                            ref={fileInput}
                            type="file"
                            accept="application/json,.json"
                            aria-label="Policy file to import"
                            hidden
                            onChange={(event) => {
                              const file = event.target.files?.[0];
                              if (file) importFile.mutate(file);
                              event.target.value = '';
                            }}
                          />
                        </ToolbarItem>
                      </>
                    ) : null}
                    <ToolbarItem>
                      <Button variant="secondary" onClick={() => void exportAll()}>
                        Export JSON
                      </Button>
                    </ToolbarItem>
                    <ToolbarItem>
                      <Button variant="secondary" onClick={exportCsv}>
                        Export CSV
                      </Button>
                    </ToolbarItem>
                  </>
                }
              />
              {table}
            </DrawerContentBody>
          </DrawerContent>
        </Drawer>
      </PageSection>
    </>
  );
}

export function PolicyJson({ value }: { readonly value: unknown }) {
  return (
    <CodeBlock>
      <CodeBlockCode>{JSON.stringify(value, null, 2)}</CodeBlockCode>
    </CodeBlock>
  );
}
