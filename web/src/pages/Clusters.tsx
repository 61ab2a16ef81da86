// Clusters: each cluster's health (Sensor contact), Sensor version and counts; adding a cluster
// shows its Sensor token once, with the command that starts a Sensor with it.

import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  ClipboardCopy,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  Label,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  PageSection,
  TextInput,
  Title,
  ToolbarItem,
  Content,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import { apiRequest, errorMessage } from '../api/client.ts';
import { useClusterCounts, useClusters } from '../api/queries.ts';
import type { Cluster } from '../api/types.ts';
import { useIdentity } from '../App.tsx';
import { FilterBar } from '../components/FilterBar.tsx';
import { Empty, ErrorState, Loading } from '../components/States.tsx';
import { downloadText, toCsv } from '../components/csv.ts';
import { useUrlState } from '../components/url-state.ts';
import { valuesOf } from '../components/filter-query.ts';

/** Healthy: heard from within 5 minutes; degraded within an hour; else unhealthy. */
function health(
  cluster: Cluster,
  now = Date.now(),
): { text: string; color: 'green' | 'orange' | 'red' | 'grey' } {
  if (cluster.lastContactAt === null) return { text: 'Never contacted', color: 'grey' };
  const age = now - Date.parse(cluster.lastContactAt);
  if (age < 5 * 60_000) return { text: 'Healthy', color: 'green' };
  if (age < 60 * 60_000) return { text: 'Degraded', color: 'orange' };
  return { text: 'Unhealthy', color: 'red' };
}

function AddClusterModal({ onClose }: { readonly onClose: () => void }) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: (clusterName: string) =>
      apiRequest<{ cluster: Cluster; sensorToken: string }>('/api/v1/clusters', {
        method: 'POST',
        body: { name: clusterName },
      }),
    onSuccess: async () => {
      await Promise.all([
        client.invalidateQueries({ queryKey: ['clusters'] }),
        client.invalidateQueries({ queryKey: ['cluster-counts'] }),
        client.invalidateQueries({ queryKey: ['summary'] }),
      ]);
    },
  });
  const valid = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (valid) create.mutate(name);
  };
  const origin = window.location.origin;
  return (
    <Modal isOpen onClose={onClose} variant="medium" aria-labelledby="add-cluster-title">
      <ModalHeader title="Add a cluster" labelId="add-cluster-title" />
      <ModalBody>
        {create.data ? (
          <>
            <Alert
              variant="success"
              isInline
              title={`Cluster '${create.data.cluster.name}' added. Copy its Sensor token now: it is shown only once.`}
            />
            <Content component="p" style={{ marginTop: 12 }}>
              Sensor token
            </Content>
            <ClipboardCopy
              isReadOnly
              hoverTip="Copy"
              clickTip="Copied"
              aria-label="Sensor token"
              data-testid="sensor-token"
            >
              {create.data.sensorToken}
            </ClipboardCopy>
            <Content component="p" style={{ marginTop: 12 }}>
              Give the Sensor this cluster id, Central&apos;s address and the token:
            </Content>
            <ClipboardCopy
              isReadOnly
              isCode
              variant="expansion"
              hoverTip="Copy"
              clickTip="Copied"
              aria-label="Sensor settings"
            >
              {`PALISADE_CENTRAL_URL=${origin}\nPALISADE_CLUSTER_ID=${create.data.cluster.id}\nPALISADE_SENSOR_TOKEN=${create.data.sensorToken}`}
            </ClipboardCopy>
          </>
        ) : (
          <Form id="add-cluster-form" onSubmit={submit}>
            {create.isError ? (
              <Alert variant="danger" isInline title={errorMessage(create.error)} />
            ) : null}
            <FormGroup label="Cluster name" isRequired fieldId="cluster-name">
              <TextInput
                id="cluster-name"
                value={name}
                onChange={(_event, value) => setName(value)}
                validated={name === '' || valid ? 'default' : 'error'}
                isRequired
              />
              <FormHelperText>
                <HelperText>
                  <HelperTextItem variant={name === '' || valid ? 'default' : 'error'}>
                    Lowercase letters, digits, &quot;-&quot; and &quot;.&quot;, as a Kubernetes
                    name.
                  </HelperTextItem>
                </HelperText>
              </FormHelperText>
            </FormGroup>
          </Form>
        )}
      </ModalBody>
      <ModalFooter>
        {create.data ? (
          <Button variant="primary" onClick={onClose}>
            Done
          </Button>
        ) : (
          <>
            <Button
              variant="primary"
              type="submit"
              form="add-cluster-form"
              isDisabled={!valid}
              isLoading={create.isPending}
            >
              Add cluster
            </Button>
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
          </>
        )}
      </ModalFooter>
    </Modal>
  );
}

export default function Clusters() {
  const { canWrite } = useIdentity();
  const clusters = useClusters();
  const counts = useClusterCounts();
  const url = useUrlState();
  const [adding, setAdding] = useState(false);
  const countsOf = new Map((counts.data?.items ?? []).map((c) => [c.clusterId, c]));
  const wanted = valuesOf(url.clauses, 'Cluster').map((v) => v.toLowerCase());
  const healthWanted = valuesOf(url.clauses, 'Health').map((v) => v.toLowerCase());
  const items = (clusters.data?.items ?? []).filter(
    (c) =>
      (wanted.length === 0 || wanted.some((w) => c.name.toLowerCase().startsWith(w))) &&
      (healthWanted.length === 0 || healthWanted.includes(health(c).text.toLowerCase())),
  );
  const exportCsv = () =>
    downloadText(
      'palisade-clusters.csv',
      toCsv(
        [
          'id',
          'name',
          'health',
          'lastContactAt',
          'sensorVersion',
          'namespaces',
          'deployments',
          'activeViolations',
        ],
        items.map((c) => [
          c.id,
          c.name,
          health(c).text,
          c.lastContactAt,
          c.sensorVersion,
          countsOf.get(c.id)?.namespaces,
          countsOf.get(c.id)?.deployments,
          countsOf.get(c.id)?.activeAlerts,
        ]),
      ),
    );
  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Clusters</Title>
      </PageSection>
      <PageSection>
        <FilterBar
          label="clusters"
          attributes={[
            { field: 'Cluster' },
            { field: 'Health', options: ['Healthy', 'Degraded', 'Unhealthy', 'Never contacted'] },
          ]}
          clauses={url.clauses}
          onChange={url.setClauses}
          actions={
            <>
              {canWrite ? (
                <ToolbarItem>
                  <Button variant="primary" onClick={() => setAdding(true)}>
                    Add cluster
                  </Button>
                </ToolbarItem>
              ) : null}
              <ToolbarItem>
                <Button variant="secondary" onClick={exportCsv} isDisabled={items.length === 0}>
                  Export CSV
                </Button>
              </ToolbarItem>
            </>
          }
        />
        {clusters.isPending ? (
          <Loading what="clusters" />
        ) : clusters.isError ? (
          <ErrorState
            error={clusters.error}
            what="clusters"
            retry={() => void clusters.refetch()}
          />
        ) : items.length === 0 ? (
          <Empty
            title={clusters.data.total === 0 ? 'No clusters yet' : 'No clusters match'}
            body="Add a cluster and start its Sensor."
          />
        ) : (
          <Table aria-label="Clusters" variant="compact" isStriped>
            <Thead>
              <Tr>
                <Th>Cluster</Th>
                <Th>Health</Th>
                <Th>Last Sensor contact</Th>
                <Th>Sensor version</Th>
                <Th>Namespaces</Th>
                <Th>Deployments</Th>
                <Th>Active violations</Th>
              </Tr>
            </Thead>
            <Tbody>
              {items.map((c) => {
                const h = health(c);
                const n = countsOf.get(c.id);
                return (
                  <Tr key={c.id} data-testid="cluster-row">
                    <Td dataLabel="Cluster">{c.name}</Td>
                    <Td dataLabel="Health">
                      <Label color={h.color} isCompact>
                        {h.text}
                      </Label>
                    </Td>
                    <Td dataLabel="Last Sensor contact">
                      {c.lastContactAt ? new Date(c.lastContactAt).toLocaleString() : '—'}
                    </Td>
                    <Td dataLabel="Sensor version">{c.sensorVersion ?? '—'}</Td>
                    <Td dataLabel="Namespaces">{n?.namespaces ?? '—'}</Td>
                    <Td dataLabel="Deployments">
                      {n ? (
                        <Link to={`/risk?q=${encodeURIComponent(`Cluster:${c.name}`)}`}>
                          {n.deployments}
                        </Link>
                      ) : (
                        '—'
                      )}
                    </Td>
                    <Td dataLabel="Active violations">
                      {n ? (
                        <Link
                          to={`/violations?q=${encodeURIComponent(`State:ACTIVE+Cluster:"${c.name}"`)}`}
                        >
                          {n.activeAlerts}
                        </Link>
                      ) : (
                        '—'
                      )}
                    </Td>
                  </Tr>
                );
              })}
            </Tbody>
          </Table>
        )}
      </PageSection>
      {adding ? <AddClusterModal onClose={() => setAdding(false)} /> : null}
    </>
  );
}
