// Risk: deployments ranked by risk score (filters by cluster and namespace), and a deployment's
// detail: each risk factor with its reasons, containers and images, ports and exposure, RBAC
// level, network policies and its active violations.

import { Link, useNavigate, useParams, useLocation } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import {
  Button,
  Card,
  CardBody,
  CardTitle,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Grid,
  GridItem,
  Label,
  List,
  ListItem,
  PageSection,
  Pagination,
  Title,
  ToolbarItem,
  Breadcrumb,
  BreadcrumbItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { apiRequest, queryString } from '../api/client.ts';
import { useClusterNames, useClusters, useNamespaces } from '../api/queries.ts';
import type { DeploymentDetail, Page, RiskScore } from '../api/types.ts';
import { FilterBar } from '../components/FilterBar.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { SeverityLabel } from '../components/severity.tsx';
import { downloadText, toCsv } from '../components/csv.ts';
import { useSort } from '../components/table-sort.ts';
import { useUrlState } from '../components/url-state.ts';
import { valuesOf } from '../components/filter-query.ts';

function DeploymentView({ id }: { readonly id: string }) {
  const names = useClusterNames();
  const location = useLocation();
  const detail = useQuery({
    queryKey: ['deployment', id],
    queryFn: () => apiRequest<DeploymentDetail>(`/api/v1/deployments/${encodeURIComponent(id)}`),
  });
  const back = (
    <Breadcrumb>
      <BreadcrumbItem
        render={({ className }) => (
          <Link className={className} to={{ pathname: '/risk', search: location.search }}>
            Risk
          </Link>
        )}
      />
      <BreadcrumbItem isActive>{detail.data?.name ?? 'Deployment'}</BreadcrumbItem>
    </Breadcrumb>
  );
  if (detail.isPending)
    return (
      <PageSection>
        {back}
        <Loading what="the deployment" />
      </PageSection>
    );
  if (detail.isError)
    return (
      <PageSection>
        {back}
        <ErrorState
          error={detail.error}
          what="the deployment"
          retry={() => void detail.refetch()}
        />
      </PageSection>
    );
  const d = detail.data;
  const w = d.workload;
  const context = w.context;
  const violationsLink = `/violations?q=${encodeURIComponent(`State:ACTIVE+Deployment:"${d.name}"+Namespace:"${d.namespace}"`)}`;
  return (
    <>
      <PageSection>
        {back}
        <Title headingLevel="h1" style={{ marginTop: 8 }}>
          {d.kind} {d.name}
        </Title>
        <span>
          {names.get(d.clusterId) ?? d.clusterId} / {d.namespace}
        </span>
      </PageSection>
      <PageSection>
        <Grid hasGutter>
          <GridItem md={6}>
            <Card>
              <CardTitle>Risk {d.risk ? `· score ${d.risk.score.toFixed(1)}` : ''}</CardTitle>
              <CardBody>
                {d.risk === null || d.risk.factors.length === 0 ? (
                  <Empty
                    title="No risk factors"
                    body="Nothing about this deployment raises its risk."
                  />
                ) : (
                  <Table aria-label="Risk factors" variant="compact">
                    <Thead>
                      <Tr>
                        <Th>Factor</Th>
                        <Th>Why</Th>
                        <Th modifier="fitContent">×</Th>
                      </Tr>
                    </Thead>
                    <Tbody>
                      {d.risk.factors.map((f) => (
                        <Tr key={f.name}>
                          <Td dataLabel="Factor">{f.name}</Td>
                          <Td dataLabel="Why">
                            <List isPlain>
                              {f.reasons.map((r) => (
                                <ListItem key={r}>{r}</ListItem>
                              ))}
                            </List>
                          </Td>
                          <Td dataLabel="Multiplier">{f.multiplier.toFixed(2)}</Td>
                        </Tr>
                      ))}
                    </Tbody>
                  </Table>
                )}
              </CardBody>
            </Card>
          </GridItem>
          <GridItem md={6}>
            <Card>
              <CardTitle>Configuration</CardTitle>
              <CardBody>
                <DescriptionList isCompact isHorizontal>
                  <DescriptionListGroup>
                    <DescriptionListTerm>Service account</DescriptionListTerm>
                    <DescriptionListDescription>
                      {w.serviceAccountName || 'default'}
                    </DescriptionListDescription>
                  </DescriptionListGroup>
                  <DescriptionListGroup>
                    <DescriptionListTerm>RBAC level</DescriptionListTerm>
                    <DescriptionListDescription data-testid="rbac-level">
                      {context.rbacLevel ?? 'unknown'}
                    </DescriptionListDescription>
                  </DescriptionListGroup>
                  <DescriptionListGroup>
                    <DescriptionListTerm>Network policies</DescriptionListTerm>
                    <DescriptionListDescription>
                      ingress {context.hasIngressNetworkPolicy ? 'restricted' : 'not restricted'},
                      egress {context.hasEgressNetworkPolicy ? 'restricted' : 'not restricted'}
                    </DescriptionListDescription>
                  </DescriptionListGroup>
                  <DescriptionListGroup>
                    <DescriptionListTerm>Host namespaces</DescriptionListTerm>
                    <DescriptionListDescription>
                      {[
                        w.hostNetwork ? 'network' : '',
                        w.hostPID ? 'PID' : '',
                        w.hostIPC ? 'IPC' : '',
                      ]
                        .filter(Boolean)
                        .join(', ') || 'none'}
                    </DescriptionListDescription>
                  </DescriptionListGroup>
                  <DescriptionListGroup>
                    <DescriptionListTerm>Replicas</DescriptionListTerm>
                    <DescriptionListDescription>{w.replicas ?? '—'}</DescriptionListDescription>
                  </DescriptionListGroup>
                </DescriptionList>
                <Title headingLevel="h3" size="md" style={{ marginTop: 12 }}>
                  Exposure
                </Title>
                {context.exposure.length === 0 ? (
                  <span>Not exposed by any Service, Ingress or host port.</span>
                ) : (
                  <List aria-label="Exposure">
                    {context.exposure.map((e, i) => (
                      <ListItem key={i}>
                        <Label
                          isCompact
                          color={
                            e.level === 'EXTERNAL'
                              ? 'red'
                              : e.level === 'INTERNAL'
                                ? 'blue'
                                : 'orange'
                          }
                        >
                          {e.level}
                        </Label>{' '}
                        port {e.containerPort}/{e.protocol} via {e.via}
                        {e.nodePort ? ` (node port ${e.nodePort})` : ''}
                      </ListItem>
                    ))}
                  </List>
                )}
              </CardBody>
            </Card>
          </GridItem>
          <GridItem span={12}>
            <Card>
              <CardTitle>Containers</CardTitle>
              <CardBody>
                <Table aria-label="Containers" variant="compact">
                  <Thead>
                    <Tr>
                      <Th>Name</Th>
                      <Th>Image</Th>
                      <Th>Ports</Th>
                      <Th>Security</Th>
                    </Tr>
                  </Thead>
                  <Tbody>
                    {w.containers.map((c) => (
                      <Tr key={c.name}>
                        <Td dataLabel="Name">
                          {c.name}
                          {c.type !== 'regular' ? ` (${c.type})` : ''}
                        </Td>
                        <Td dataLabel="Image">
                          <code>{c.image.fullName}</code>
                        </Td>
                        <Td dataLabel="Ports">
                          {c.ports.map((p) => `${p.containerPort}/${p.protocol}`).join(', ') || '—'}
                        </Td>
                        <Td dataLabel="Security">
                          {[
                            c.securityContext.privileged ? 'privileged' : '',
                            c.securityContext.readOnlyRootFilesystem ? 'read-only root' : '',
                            c.securityContext.runAsNonRoot ? 'non-root' : '',
                            (c.securityContext.capabilities?.add.length ?? 0) > 0
                              ? `adds ${c.securityContext.capabilities?.add.join(', ')}`
                              : '',
                          ]
                            .filter(Boolean)
                            .join('; ') || 'defaults'}
                        </Td>
                      </Tr>
                    ))}
                  </Tbody>
                </Table>
              </CardBody>
            </Card>
          </GridItem>
          <GridItem span={12}>
            <Card>
              <CardTitle>
                Active violations ({d.alerts.length}){' '}
                <Link to={violationsLink}>open in Violations</Link>
              </CardTitle>
              <CardBody>
                {d.alerts.length === 0 ? (
                  <Empty title="No active violations" />
                ) : (
                  <Table aria-label="Active violations of the deployment" variant="compact">
                    <Thead>
                      <Tr>
                        <Th>Severity</Th>
                        <Th>Policy</Th>
                        <Th>Stage</Th>
                      </Tr>
                    </Thead>
                    <Tbody>
                      {d.alerts.map((a) => (
                        <Tr key={a.id}>
                          <Td dataLabel="Severity">
                            <SeverityLabel severity={a.severity} />
                          </Td>
                          <Td dataLabel="Policy">
                            <Link
                              to={`/violations/${a.id}?q=${encodeURIComponent('State:ACTIVE')}`}
                            >
                              {a.policyName}
                            </Link>
                          </Td>
                          <Td dataLabel="Stage">{a.lifecycleStage}</Td>
                        </Tr>
                      ))}
                    </Tbody>
                  </Table>
                )}
              </CardBody>
            </Card>
          </GridItem>
        </Grid>
      </PageSection>
    </>
  );
}

export default function Risk() {
  const { id } = useParams();
  const url = useUrlState();
  const navigate = useNavigate();
  const location = useLocation();
  const clusters = useClusters();
  const namespaces = useNamespaces();
  const names = useClusterNames();
  const perPage = Number(url.get('perPage')) || 50;
  const page = Number(url.get('page')) || 1;
  // /api/v1/risk filters by one cluster id and one namespace (no query syntax yet).
  const clusterName = valuesOf(url.clauses, 'Cluster')[0];
  const clusterId = clusters.data?.items.find(
    (c) => c.name === clusterName || c.id === clusterName,
  )?.id;
  const namespace = valuesOf(url.clauses, 'Namespace')[0];
  const waitingForClusters = clusterName !== undefined && clusters.isPending;
  const risk = useQuery({
    queryKey: ['risk', clusterId ?? clusterName, namespace, page, perPage],
    enabled: !waitingForClusters,
    queryFn: () =>
      clusterName !== undefined && clusterId === undefined
        ? Promise.resolve<Page<RiskScore>>({ items: [], total: 0, limit: perPage, offset: 0 })
        : apiRequest<Page<RiskScore>>(
            `/api/v1/risk${queryString({ cluster: clusterId, namespace, limit: perPage, offset: (page - 1) * perPage })}`,
          ),
    placeholderData: (previous) => previous,
  });
  const { sortBy, sort } = useSort<RiskScore>([
    (r) => r.score,
    (r) => r.workloadName,
    (r) => r.namespace,
    (r) => names.get(r.clusterId) ?? '',
  ]);
  if (id !== undefined) return <DeploymentView id={id} />;

  const items = risk.data ? sort(risk.data.items) : [];
  const exportCsv = () =>
    downloadText(
      'palisade-risk.csv',
      toCsv(
        ['rank', 'score', 'kind', 'deployment', 'namespace', 'cluster', 'factors'],
        items.map((r, i) => [
          (page - 1) * perPage + i + 1,
          r.score,
          r.workloadKind,
          r.workloadName,
          r.namespace,
          names.get(r.clusterId) ?? r.clusterId,
          r.factors.map((f) => `${f.name} x${f.multiplier}`).join('; '),
        ]),
      ),
    );

  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Risk</Title>
      </PageSection>
      <PageSection>
        <FilterBar
          label="deployments"
          attributes={[
            {
              field: 'Namespace',
              suggestions: [...new Set((namespaces.data?.items ?? []).map((n) => n.name))],
            },
            { field: 'Cluster', suggestions: (clusters.data?.items ?? []).map((c) => c.name) },
          ]}
          clauses={url.clauses}
          onChange={(next) =>
            // One value per attribute: the API takes one cluster and one namespace.
            url.setClauses(next.map((c) => ({ field: c.field, values: c.values.slice(-1) })))
          }
          actions={
            <ToolbarItem>
              <Button variant="secondary" onClick={exportCsv} isDisabled={items.length === 0}>
                Export CSV
              </Button>
            </ToolbarItem>
          }
        />
        {risk.isPending || waitingForClusters ? (
          <Loading what="the risk ranking" />
        ) : risk.isError ? (
          <ErrorState
            error={risk.error}
            what="the risk ranking"
            retry={() => void risk.refetch()}
          />
        ) : risk.data.total === 0 ? (
          <Empty title="No deployments match" body="Change the filters, or add a cluster." />
        ) : (
          <>
            <Table aria-label="Deployments by risk" variant="compact" isStriped>
              <Thead>
                <Tr>
                  <Th modifier="fitContent">Rank</Th>
                  <Th sort={sortBy(0)}>Risk</Th>
                  <Th sort={sortBy(1)}>Deployment</Th>
                  <Th sort={sortBy(2)}>Namespace</Th>
                  <Th sort={sortBy(3)}>Cluster</Th>
                  <Th>Top factors</Th>
                </Tr>
              </Thead>
              <Tbody>
                {items.map((r, i) => (
                  <Tr
                    key={r.workloadId}
                    isClickable
                    onRowClick={() =>
                      void navigate({ pathname: `/risk/${r.workloadId}`, search: location.search })
                    }
                    data-testid="risk-row"
                  >
                    <Td dataLabel="Rank">{(page - 1) * perPage + i + 1}</Td>
                    <Td dataLabel="Risk">{r.score.toFixed(1)}</Td>
                    <Td dataLabel="Deployment">
                      <Link to={{ pathname: `/risk/${r.workloadId}`, search: location.search }}>
                        {r.workloadName}
                      </Link>{' '}
                      <small>{r.workloadKind}</small>
                    </Td>
                    <Td dataLabel="Namespace">{r.namespace}</Td>
                    <Td dataLabel="Cluster">{names.get(r.clusterId) ?? ''}</Td>
                    <Td dataLabel="Top factors">
                      {r.factors
                        .slice()
                        .sort((a, b) => b.multiplier - a.multiplier)
                        .slice(0, 3)
                        .map((f) => `${f.name} ×${f.multiplier.toFixed(1)}`)
                        .join(', ')}
                    </Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
            <Pagination
              itemCount={risk.data.total}
              perPage={perPage}
              page={page}
              onSetPage={(_event, next) => url.set({ page: next })}
              onPerPageSelect={(_event, next) => url.set({ perPage: next, page: null })}
              variant="bottom"
              titles={{ paginationAriaLabel: 'Risk pagination' }}
            />
          </>
        )}
      </PageSection>
    </>
  );
}
