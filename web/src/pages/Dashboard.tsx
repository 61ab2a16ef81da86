// Dashboard: counts, active violations by severity and by policy category, the most violated
// policies, the ten riskiest deployments and violations over time. Every number and chart element
// opens the filtered list behind it.

import { useNavigate, Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import {
  Card,
  CardBody,
  CardTitle,
  Content,
  Gallery,
  Grid,
  GridItem,
  PageSection,
  Title,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import {
  ChartBar,
  Chart,
  ChartAxis,
  ChartDonut,
  ChartStack,
  ChartArea,
  ChartGroup,
  ChartVoronoiContainer,
} from '@patternfly/react-charts/victory';
import { apiRequest } from '../api/client.ts';
import { useAlertCounts, useClusterNames, useSummary, useTimeline } from '../api/queries.ts';
import type { Page, RiskScore, Severity } from '../api/types.ts';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { formatFilter } from '../components/filter-query.ts';
import {
  severities,
  severityChartColours,
  severityName,
  severityQueryValue,
} from '../components/severity.tsx';

const violationsLink = (clauses: { field: string; values: string[] }[]) =>
  `/violations?q=${encodeURIComponent(formatFilter([{ field: 'State', values: ['ACTIVE'] }, ...clauses]))}`;

const exact = (value: string) => `"${value}"`;

function StatCard({ title, value, to }: { title: string; value: number; to: string }) {
  return (
    <Card isCompact>
      <CardTitle>{title}</CardTitle>
      <CardBody>
        <Link to={to} className="palisade-stat" aria-label={`${value} ${title.toLowerCase()}`}>
          {value.toLocaleString()}
        </Link>
      </CardBody>
    </Card>
  );
}

function clickable(go: (index: number) => void) {
  return [
    {
      target: 'data' as const,
      eventHandlers: {
        onClick: () => [
          {
            target: 'data' as const,
            mutation: (props: { index?: number }) => {
              if (typeof props.index === 'number') go(props.index);
              return null;
            },
          },
        ],
      },
    },
  ];
}

function SeverityCard() {
  const summary = useSummary();
  const navigate = useNavigate();
  if (summary.isPending) return <Loading what="violations by severity" />;
  if (summary.isError)
    return (
      <ErrorState
        error={summary.error}
        what="violations by severity"
        retry={() => void summary.refetch()}
      />
    );
  const counts = summary.data.activeAlertsBySeverity;
  const data = severities.map((s) => ({ x: severityName(s), y: counts[s], severity: s }));
  const go = (severity: Severity) =>
    void navigate(violationsLink([{ field: 'Severity', values: [severityQueryValue(severity)] }]));
  return (
    <>
      <div style={{ height: 230, width: 360, maxWidth: '100%' }}>
        <ChartDonut
          ariaTitle="Active violations by severity"
          ariaDesc={data.map((d) => `${d.x}: ${d.y}`).join(', ')}
          constrainToVisibleArea
          data={data}
          labels={({ datum }: { datum: { x: string; y: number } }) => `${datum.x}: ${datum.y}`}
          colorScale={severities.map((s) => severityChartColours[s])}
          legendData={data.map((d) => ({ name: `${d.x}: ${d.y}` }))}
          legendOrientation="vertical"
          legendPosition="right"
          padding={{ bottom: 20, left: 20, right: 140, top: 20 }}
          title={summary.data.activeAlerts.toLocaleString()}
          subTitle="active"
          height={230}
          width={360}
          events={clickable((index) => {
            const severity = severities[index];
            if (severity) go(severity);
          })}
        />
      </div>
      <nav className="palisade-chart-links" aria-label="Violations by severity">
        {data.map((d) => (
          <Link
            key={d.severity}
            to={violationsLink([{ field: 'Severity', values: [severityQueryValue(d.severity)] }])}
          >
            <span
              className="palisade-swatch"
              style={{ background: severityChartColours[d.severity] }}
            />
            {d.x}: {d.y}
          </Link>
        ))}
      </nav>
    </>
  );
}

function CategoryCard() {
  const counts = useAlertCounts();
  const navigate = useNavigate();
  if (counts.isPending) return <Loading what="violations by category" />;
  if (counts.isError)
    return (
      <ErrorState
        error={counts.error}
        what="violations by category"
        retry={() => void counts.refetch()}
      />
    );
  const top = counts.data.byCategory.slice(0, 8);
  if (top.length === 0) return <Empty title="No active violations" />;
  const linkFor = (category: string) => {
    const ids = counts.data.byPolicy
      .filter((p) =>
        (p.categories.length > 0 ? p.categories : ['Uncategorized']).includes(category),
      )
      .map((p) => exact(p.policyId));
    return violationsLink([{ field: 'Policy', values: ids }]);
  };
  const data = [...top].reverse().map((c) => ({ x: c.category, y: c.count }));
  return (
    <>
      <div style={{ height: 40 + top.length * 28 }}>
        <Chart
          ariaTitle="Active violations by policy category"
          ariaDesc={top.map((c) => `${c.category}: ${c.count}`).join(', ')}
          horizontal
          domainPadding={{ x: [12, 12] }}
          height={40 + top.length * 28}
          width={520}
          padding={{ left: 200, right: 40, top: 10, bottom: 30 }}
        >
          <ChartAxis />
          <ChartAxis
            dependentAxis
            showGrid
            tickFormat={(t: number) => (Number.isInteger(t) ? String(t) : '')}
          />
          <ChartBar
            data={data}
            barWidth={16}
            labels={({ datum }: { datum: { y: number } }) => String(datum.y)}
            events={clickable((index) => {
              const item = data[index];
              if (item) void navigate(linkFor(item.x));
            })}
          />
        </Chart>
      </div>
      <nav className="palisade-chart-links" aria-label="Violations by category">
        {top.map((c) => (
          <Link key={c.category} to={linkFor(c.category)}>
            {c.category}: {c.count}
          </Link>
        ))}
      </nav>
    </>
  );
}

function TopPoliciesCard() {
  const counts = useAlertCounts();
  if (counts.isPending) return <Loading what="the most violated policies" />;
  if (counts.isError) return <ErrorState error={counts.error} what="the most violated policies" />;
  const top = counts.data.byPolicy.slice(0, 8);
  if (top.length === 0) return <Empty title="No active violations" />;
  return (
    <Table aria-label="Most violated policies" variant="compact">
      <Thead>
        <Tr>
          <Th>Policy</Th>
          <Th modifier="fitContent">Active</Th>
        </Tr>
      </Thead>
      <Tbody>
        {top.map((p) => (
          <Tr key={p.policyId}>
            <Td dataLabel="Policy">
              <Link to={`/policies/${encodeURIComponent(p.policyId)}`}>{p.policyName}</Link>
            </Td>
            <Td dataLabel="Active">
              <Link to={violationsLink([{ field: 'Policy', values: [exact(p.policyId)] }])}>
                {p.count}
              </Link>
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

function RiskiestCard() {
  const names = useClusterNames();
  const risk = useQuery({
    queryKey: ['risk', 'top10'],
    queryFn: () => apiRequest<Page<RiskScore>>('/api/v1/risk?limit=10'),
  });
  if (risk.isPending) return <Loading what="the riskiest deployments" />;
  if (risk.isError)
    return (
      <ErrorState
        error={risk.error}
        what="the riskiest deployments"
        retry={() => void risk.refetch()}
      />
    );
  if (risk.data.items.length === 0)
    return (
      <Empty
        title="No deployments yet"
        body="Add a cluster to see its deployments ranked by risk."
      />
    );
  return (
    <Table aria-label="Riskiest deployments" variant="compact">
      <Thead>
        <Tr>
          <Th>Deployment</Th>
          <Th>Namespace</Th>
          <Th>Cluster</Th>
          <Th modifier="fitContent">Risk</Th>
        </Tr>
      </Thead>
      <Tbody>
        {risk.data.items.map((r) => (
          <Tr key={r.workloadId}>
            <Td dataLabel="Deployment">
              <Link to={`/risk/${r.workloadId}`}>{r.workloadName}</Link>
            </Td>
            <Td dataLabel="Namespace">{r.namespace}</Td>
            <Td dataLabel="Cluster">{names.get(r.clusterId) ?? r.clusterId}</Td>
            <Td dataLabel="Risk">{r.score.toFixed(1)}</Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

function TimelineCard() {
  const timeline = useTimeline(14);
  if (timeline.isPending) return <Loading what="violations over time" />;
  if (timeline.isError) {
    // Central without the timeline endpoint: say so instead of an empty chart.
    return (
      <Content component="p" data-testid="timeline-unavailable">
        Violations over time are not available from this Central.
      </Content>
    );
  }
  const days = timeline.data.days;
  const ordered = [...severities].reverse();
  return (
    <>
      <div style={{ height: 240 }}>
        <Chart
          ariaTitle="Active violations per day, by severity"
          ariaDesc={days
            .map((d) => `${d.day}: ${Object.values(d.active).reduce((a, b) => a + b, 0)}`)
            .join(', ')}
          containerComponent={
            <ChartVoronoiContainer
              labels={({ datum }: { datum: { name: string; y: number } }) =>
                `${datum.name}: ${datum.y}`
              }
              constrainToVisibleArea
            />
          }
          height={240}
          width={720}
          padding={{ left: 50, right: 20, top: 20, bottom: 50 }}
          legendData={ordered.map((s) => ({ name: severityName(s) }))}
          legendPosition="bottom"
          colorScale={ordered.map((s) => severityChartColours[s])}
        >
          <ChartAxis tickFormat={(t: string) => t.slice(5)} fixLabelOverlap />
          <ChartAxis dependentAxis showGrid />
          <ChartStack>
            {ordered.map((s) => (
              <ChartGroup key={s}>
                <ChartArea
                  data={days.map((d) => ({ x: d.day, y: d.active[s], name: severityName(s) }))}
                  interpolation="monotoneX"
                />
              </ChartGroup>
            ))}
          </ChartStack>
        </Chart>
      </div>
      <Content component="small">
        Raised in the last 14 days: {days.reduce((a, d) => a + d.raised, 0)} · resolved:{' '}
        {days.reduce((a, d) => a + d.resolved, 0)}
      </Content>
    </>
  );
}

export default function Dashboard() {
  const summary = useSummary();
  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Dashboard</Title>
      </PageSection>
      <PageSection>
        {summary.isPending ? (
          <Loading what="counts" />
        ) : summary.isError ? (
          <ErrorState
            error={summary.error}
            what="the dashboard"
            retry={() => void summary.refetch()}
          />
        ) : (
          <Gallery hasGutter minWidths={{ default: '180px' }} aria-label="Counts">
            <StatCard title="Clusters" value={summary.data.clusters} to="/clusters" />
            <StatCard title="Namespaces" value={summary.data.namespaces} to="/risk" />
            <StatCard title="Deployments" value={summary.data.deployments} to="/risk" />
            <StatCard
              title="Active violations"
              value={summary.data.activeAlerts}
              to={violationsLink([])}
            />
          </Gallery>
        )}
      </PageSection>
      <PageSection>
        <Grid hasGutter>
          <GridItem md={5}>
            <Card>
              <CardTitle>Active violations by severity</CardTitle>
              <CardBody>
                <SeverityCard />
              </CardBody>
            </Card>
          </GridItem>
          <GridItem md={7}>
            <Card>
              <CardTitle>Active violations by policy category</CardTitle>
              <CardBody>
                <CategoryCard />
              </CardBody>
            </Card>
          </GridItem>
          <GridItem md={7}>
            <Card>
              <CardTitle>Riskiest deployments</CardTitle>
              <CardBody>
                <RiskiestCard />
              </CardBody>
            </Card>
          </GridItem>
          <GridItem md={5}>
            <Card>
              <CardTitle>Most violated policies</CardTitle>
              <CardBody>
                <TopPoliciesCard />
              </CardBody>
            </Card>
          </GridItem>
          <GridItem span={12}>
            <Card>
              <CardTitle>Violations over time</CardTitle>
              <CardBody>
                <TimelineCard />
              </CardBody>
            </Card>
          </GridItem>
        </Grid>
      </PageSection>
    </>
  );
}
