// Violations: the alert list with the compound filter, server-side paging and sorting (Central's
// `sort=`: with tens of thousands of alerts the shown page alone cannot be sorted), bulk resolve, CSV export, and a detail drawer (policy, every violation message, the
// workload, enforcement, actions). Filters, sort, page and the open alert live in the URL.

import { useState } from 'react';
import { Link, useNavigate, useParams, useLocation } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  AlertActionCloseButton,
  Button,
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
  List,
  ListItem,
  PageSection,
  Pagination,
  Title,
  ToolbarItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { apiRequest, errorMessage, queryString } from '../api/client.ts';
import { useClusterNames, useClusters, useNamespaces } from '../api/queries.ts';
import type { Alert as AlertDetail, AlertSummary, Page, PolicyRecord } from '../api/types.ts';
import { useIdentity } from '../App.tsx';
import { FilterBar, type FilterAttribute } from '../components/FilterBar.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { SeverityLabel } from '../components/severity.tsx';
import { downloadText, toCsv } from '../components/csv.ts';
import { useUrlState } from '../components/url-state.ts';

const when = (iso: string | null) => (iso === null ? '' : new Date(iso).toLocaleString());

function useInvalidateAlerts() {
  const client = useQueryClient();
  return () =>
    Promise.all(
      [
        ['alerts'],
        ['alert'],
        ['summary'],
        ['alert-counts'],
        ['alert-timeline'],
        ['risk'],
        ['deployment'],
      ].map((queryKey) => client.invalidateQueries({ queryKey })),
    );
}

function AlertPanel({ id, onClose }: { readonly id: string; readonly onClose: () => void }) {
  const { canWrite } = useIdentity();
  const names = useClusterNames();
  const invalidate = useInvalidateAlerts();
  const [notice, setNotice] = useState<{ kind: 'success' | 'danger'; text: string } | null>(null);
  const alert = useQuery({
    queryKey: ['alert', id],
    queryFn: () => apiRequest<AlertDetail>(`/api/v1/alerts/${encodeURIComponent(id)}`),
  });
  const resolve = useMutation({
    mutationFn: () =>
      apiRequest<AlertSummary>(`/api/v1/alerts/${encodeURIComponent(id)}/resolve`, {
        method: 'POST',
      }),
    onSuccess: async () => {
      setNotice({ kind: 'success', text: 'Violation resolved.' });
      await invalidate();
    },
    onError: (error) => setNotice({ kind: 'danger', text: errorMessage(error) }),
  });
  const exclude = useMutation({
    // Central writes the exclusion (the deployment, scoped to its cluster and namespace) into
    // the alert's policy and resolves the alert at once.
    mutationFn: (a: AlertDetail) =>
      apiRequest<{ policy: PolicyRecord }>(`/api/v1/alerts/${encodeURIComponent(a.id)}/exclude`, {
        method: 'POST',
        body: { reason: `${a.workloadName} in ${a.namespace} (from the console)` },
      }),
    onSuccess: async ({ policy }) => {
      setNotice({
        kind: 'success',
        text: `Excluded from '${policy.name}'; the violation is resolved.`,
      });
      await invalidate();
    },
    onError: (error) => setNotice({ kind: 'danger', text: errorMessage(error) }),
  });

  let body: React.ReactNode;
  if (alert.isPending) body = <Loading what="the violation" />;
  else if (alert.isError)
    body = (
      <ErrorState error={alert.error} what="the violation" retry={() => void alert.refetch()} />
    );
  else {
    const a = alert.data;
    body = (
      <>
        <DescriptionList isCompact isHorizontal>
          <DescriptionListGroup>
            <DescriptionListTerm>Policy</DescriptionListTerm>
            <DescriptionListDescription>
              <Link to={`/policies/${encodeURIComponent(a.policyId)}`}>{a.policyName}</Link>
            </DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>Severity</DescriptionListTerm>
            <DescriptionListDescription>
              <SeverityLabel severity={a.severity} />
            </DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>State</DescriptionListTerm>
            <DescriptionListDescription data-testid="alert-state">
              {a.state}
            </DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>Deployment</DescriptionListTerm>
            <DescriptionListDescription>
              {a.workloadId ? (
                <Link to={`/risk/${a.workloadId}`}>
                  {a.workloadKind} {a.workloadName}
                </Link>
              ) : (
                `${a.workloadKind} ${a.workloadName}`
              )}
            </DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>Where</DescriptionListTerm>
            <DescriptionListDescription>
              {names.get(a.clusterId) ?? a.clusterId} / {a.namespace}
            </DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>Lifecycle stage</DescriptionListTerm>
            <DescriptionListDescription>{a.lifecycleStage}</DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>First seen</DescriptionListTerm>
            <DescriptionListDescription>{when(a.firstSeen)}</DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>Last seen</DescriptionListTerm>
            <DescriptionListDescription>{when(a.lastSeen)}</DescriptionListDescription>
          </DescriptionListGroup>
          {a.resolvedAt ? (
            <DescriptionListGroup>
              <DescriptionListTerm>Resolved</DescriptionListTerm>
              <DescriptionListDescription>{when(a.resolvedAt)}</DescriptionListDescription>
            </DescriptionListGroup>
          ) : null}
          <DescriptionListGroup>
            <DescriptionListTerm>Enforcement</DescriptionListTerm>
            <DescriptionListDescription>
              {a.state === 'ATTEMPTED' ? 'Denied at admission' : 'None: the policy informs only'}
            </DescriptionListDescription>
          </DescriptionListGroup>
        </DescriptionList>
        <Title headingLevel="h3" size="md" style={{ marginTop: 16 }}>
          Violations ({a.violations.length})
        </Title>
        <List aria-label="Violation messages">
          {a.violations.map((v, i) => (
            <ListItem key={i}>
              {v.message}
              {v.remediation ? (
                <div style={{ opacity: 0.8, fontSize: 'small' }}>Fix: {v.remediation}</div>
              ) : null}
            </ListItem>
          ))}
        </List>
        {canWrite && a.state === 'ACTIVE' ? (
          <Flex style={{ marginTop: 16 }}>
            <Button
              variant="primary"
              onClick={() => resolve.mutate()}
              isLoading={resolve.isPending}
            >
              Resolve
            </Button>
            <Button
              variant="secondary"
              onClick={() => exclude.mutate(a)}
              isLoading={exclude.isPending}
            >
              Exclude deployment from policy
            </Button>
          </Flex>
        ) : null}
      </>
    );
  }
  return (
    <DrawerPanelContent
      widths={{ default: 'width_100', lg: 'width_50', xl: 'width_33' }}
      aria-label="Violation detail"
    >
      <DrawerHead>
        <Title headingLevel="h2" size="lg">
          {alert.data ? `${alert.data.policyName} · ${alert.data.workloadName}` : 'Violation'}
        </Title>
        <DrawerActions>
          <DrawerCloseButton onClick={onClose} aria-label="Close the violation detail" />
        </DrawerActions>
      </DrawerHead>
      <DrawerPanelBody>
        {notice ? (
          <Alert
            isInline
            variant={notice.kind}
            title={notice.text}
            actionClose={<AlertActionCloseButton onClose={() => setNotice(null)} />}
            style={{ marginBottom: 12 }}
          />
        ) : null}
        {body}
      </DrawerPanelBody>
    </DrawerPanelContent>
  );
}

export default function Violations() {
  const { id } = useParams();
  const location = useLocation();
  const navigate = useNavigate();
  const { canWrite } = useIdentity();
  const url = useUrlState();
  const clusters = useClusters();
  const namespaces = useNamespaces();
  const names = useClusterNames();
  const invalidate = useInvalidateAlerts();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [bulkNotice, setBulkNotice] = useState<{ kind: 'success' | 'danger'; text: string } | null>(
    null,
  );
  const perPage = Number(url.get('perPage')) || 50;
  const page = Number(url.get('page')) || 1;

  const sort = url.get('sort') || '-lastSeen';

  const alerts = useQuery({
    queryKey: ['alerts', url.query, sort, page, perPage],
    queryFn: () =>
      apiRequest<Page<AlertSummary>>(
        `/api/v1/alerts${queryString({ query: url.query, sort, limit: perPage, offset: (page - 1) * perPage })}`,
      ),
    placeholderData: (previous) => previous,
  });
  // Columns Central sorts by (src/store/alerts.ts alertOrders); the others are not sortable.
  const sortBy = (
    key: 'severity' | 'policy' | 'deployment' | 'namespace' | 'lastSeen',
    columnIndex: number,
  ) => ({
    sortBy: {
      index: sort.replace(/^-/, '') === key ? columnIndex : -1,
      direction: sort.startsWith('-') ? ('desc' as const) : ('asc' as const),
    },
    onSort: (_event: unknown, _index: number, direction: 'asc' | 'desc') =>
      url.set({ sort: direction === 'desc' ? `-${key}` : key, page: null }),
    columnIndex,
  });

  const bulkResolve = useMutation({
    // One request for the lot; alerts resolved meanwhile by someone else are not counted.
    mutationFn: async (ids: readonly string[]) => {
      const result = await apiRequest<{ resolved: number }>('/api/v1/alerts/resolve', {
        method: 'POST',
        body: { ids },
      });
      return { resolved: result.resolved, skipped: ids.length - result.resolved };
    },
    onSuccess: async ({ resolved, skipped }) => {
      setSelected(new Set());
      const text = `Resolved ${resolved} violation${resolved === 1 ? '' : 's'}.`;
      setBulkNotice({
        kind: 'success',
        text: skipped === 0 ? text : `${text} ${skipped} were no longer active.`,
      });
      await invalidate();
    },
    onError: (error) => setBulkNotice({ kind: 'danger', text: errorMessage(error) }),
  });

  const exportCsv = async () => {
    const rows: AlertSummary[] = [];
    for (let offset = 0; offset < 10_000; offset += 1000) {
      const chunk = await apiRequest<Page<AlertSummary>>(
        `/api/v1/alerts${queryString({ query: url.query, sort, limit: 1000, offset })}`,
      );
      rows.push(...chunk.items);
      if (chunk.items.length < 1000) break;
    }
    downloadText(
      'palisade-violations.csv',
      toCsv(
        [
          'id',
          'severity',
          'policy',
          'kind',
          'deployment',
          'cluster',
          'namespace',
          'stage',
          'state',
          'firstSeen',
          'lastSeen',
          'resolvedAt',
        ],
        rows.map((a) => [
          a.id,
          a.severity,
          a.policyName,
          a.workloadKind,
          a.workloadName,
          names.get(a.clusterId) ?? a.clusterId,
          a.namespace,
          a.lifecycleStage,
          a.state,
          a.firstSeen,
          a.lastSeen,
          a.resolvedAt,
        ]),
      ),
    );
  };

  const attributes: FilterAttribute[] = [
    { field: 'Severity', options: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] },
    { field: 'State', options: ['ACTIVE', 'RESOLVED', 'ATTEMPTED'] },
    {
      field: 'Namespace',
      suggestions: [...new Set((namespaces.data?.items ?? []).map((n) => n.name))],
    },
    { field: 'Cluster', suggestions: (clusters.data?.items ?? []).map((c) => c.name) },
    { field: 'Deployment' },
    { field: 'Policy' },
    { field: 'Lifecycle Stage', options: ['DEPLOY', 'BUILD', 'RUNTIME'] },
  ];

  const items = alerts.data?.items ?? [];
  const selectable = items.filter((a) => a.state === 'ACTIVE');
  const allSelected = selectable.length > 0 && selectable.every((a) => selected.has(a.id));
  const open = (alertId: string | null) =>
    void navigate({
      pathname: alertId ? `/violations/${alertId}` : '/violations',
      search: location.search,
    });

  const table = alerts.isPending ? (
    <Loading what="violations" />
  ) : alerts.isError ? (
    <ErrorState error={alerts.error} what="violations" retry={() => void alerts.refetch()} />
  ) : alerts.data.total === 0 ? (
    <Empty
      title="No violations match"
      body={
        url.clauses.length > 0
          ? 'Change or clear the filters to see more.'
          : 'No policy is violated.'
      }
      {...(url.clauses.length > 0
        ? {
            action: (
              <Button variant="link" onClick={() => url.setClauses([])}>
                Clear all filters
              </Button>
            ),
          }
        : {})}
    />
  ) : (
    <>
      <Table aria-label="Violations" variant="compact" isStriped>
        <Thead>
          <Tr>
            {canWrite ? (
              <Th
                aria-label="Select all shown"
                select={{
                  onSelect: (_event, isSelecting) =>
                    setSelected(isSelecting ? new Set(selectable.map((a) => a.id)) : new Set()),
                  isSelected: allSelected,
                }}
              />
            ) : null}
            <Th sort={sortBy('severity', 0)}>Severity</Th>
            <Th sort={sortBy('policy', 1)}>Policy</Th>
            <Th sort={sortBy('deployment', 2)}>Entity</Th>
            <Th>Cluster</Th>
            <Th sort={sortBy('namespace', 4)}>Namespace</Th>
            <Th>Stage</Th>
            <Th>State</Th>
            <Th sort={sortBy('lastSeen', 7)}>Last seen</Th>
          </Tr>
        </Thead>
        <Tbody>
          {items.map((a, rowIndex) => (
            <Tr
              key={a.id}
              isClickable
              isRowSelected={a.id === id}
              onRowClick={() => open(a.id)}
              data-testid="violation-row"
            >
              {canWrite ? (
                <Td
                  select={{
                    rowIndex,
                    onSelect: (_event, isSelecting) =>
                      setSelected((previous) => {
                        const next = new Set(previous);
                        if (isSelecting) next.add(a.id);
                        else next.delete(a.id);
                        return next;
                      }),
                    isSelected: selected.has(a.id),
                    isDisabled: a.state !== 'ACTIVE',
                  }}
                />
              ) : null}
              <Td dataLabel="Severity">
                <SeverityLabel severity={a.severity} />
              </Td>
              <Td dataLabel="Policy">
                <Button variant="link" isInline onClick={() => open(a.id)}>
                  {a.policyName}
                </Button>
              </Td>
              <Td dataLabel="Entity">
                {a.workloadKind} {a.workloadName}
              </Td>
              <Td dataLabel="Cluster">{names.get(a.clusterId) ?? ''}</Td>
              <Td dataLabel="Namespace">{a.namespace}</Td>
              <Td dataLabel="Stage">{a.lifecycleStage}</Td>
              <Td dataLabel="State">{a.state}</Td>
              <Td dataLabel="Last seen">{when(a.lastSeen)}</Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
      <Pagination
        itemCount={alerts.data.total}
        perPage={perPage}
        page={page}
        onSetPage={(_event, next) => url.set({ page: next })}
        onPerPageSelect={(_event, next) => url.set({ perPage: next, page: null })}
        variant="bottom"
        titles={{ paginationAriaLabel: 'Violations pagination' }}
      />
    </>
  );

  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Violations</Title>
      </PageSection>
      <PageSection>
        <Drawer isExpanded={id !== undefined} isInline>
          <DrawerContent
            panelContent={id ? <AlertPanel id={id} onClose={() => open(null)} /> : undefined}
          >
            <DrawerContentBody>
              {bulkNotice ? (
                <Alert
                  isInline
                  variant={bulkNotice.kind}
                  title={bulkNotice.text}
                  actionClose={<AlertActionCloseButton onClose={() => setBulkNotice(null)} />}
                />
              ) : null}
              <FilterBar
                label="violations"
                attributes={attributes}
                clauses={url.clauses}
                onChange={url.setClauses}
                actions={
                  <>
                    {canWrite && selected.size > 0 ? (
                      <ToolbarItem>
                        <Button
                          variant="primary"
                          onClick={() => bulkResolve.mutate([...selected])}
                          isLoading={bulkResolve.isPending}
                        >
                          Resolve ({selected.size})
                        </Button>
                      </ToolbarItem>
                    ) : null}
                    <ToolbarItem>
                      <Button
                        variant="secondary"
                        onClick={() => void exportCsv()}
                        isDisabled={!alerts.data || alerts.data.total === 0}
                      >
                        Export CSV
                      </Button>
                    </ToolbarItem>
                    {alerts.data ? (
                      <ToolbarItem>
                        <span data-testid="violations-total">{alerts.data.total} violations</span>
                      </ToolbarItem>
                    ) : null}
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
