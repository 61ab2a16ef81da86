// React Query hooks over Central's API, one per resource the pages read, and the session's
// identity (who the token belongs to, so write actions hide from read-only roles).

import { useQuery } from '@tanstack/react-query';
import { apiRequest } from './client.ts';
import type {
  AlertCounts,
  Cluster,
  ClusterCounts,
  NamespaceInfo,
  Page,
  PolicyField,
  PolicyRecord,
  Summary,
  TimelineDay,
  Whoami,
} from './types.ts';

export function useWhoami(token: string | null) {
  return useQuery({
    queryKey: ['whoami', token],
    queryFn: () => apiRequest<Whoami>('/api/v1/console/whoami'),
    enabled: token !== null,
    staleTime: Infinity,
  });
}

export const useSummary = () =>
  useQuery({ queryKey: ['summary'], queryFn: () => apiRequest<Summary>('/api/v1/summary') });

export const useAlertCounts = () =>
  useQuery({
    queryKey: ['alert-counts'],
    queryFn: () => apiRequest<AlertCounts>('/api/v1/console/alert-counts'),
  });

export const useTimeline = (days: number) =>
  useQuery({
    queryKey: ['alert-timeline', days],
    queryFn: () =>
      apiRequest<{ days: TimelineDay[] }>(`/api/v1/console/alert-timeline?days=${days}`),
  });

export const useClusters = () =>
  useQuery({
    queryKey: ['clusters'],
    queryFn: () => apiRequest<Page<Cluster>>('/api/v1/clusters?limit=1000'),
  });

export const useClusterCounts = () =>
  useQuery({
    queryKey: ['cluster-counts'],
    queryFn: () => apiRequest<{ items: ClusterCounts[] }>('/api/v1/console/cluster-counts'),
  });

export const useNamespaces = () =>
  useQuery({
    queryKey: ['namespaces'],
    queryFn: () => apiRequest<{ items: NamespaceInfo[] }>('/api/v1/console/namespaces'),
  });

export const useAllPolicies = () =>
  useQuery({
    queryKey: ['policies', 'all'],
    queryFn: () => apiRequest<Page<PolicyRecord>>('/api/v1/policies?limit=1000'),
  });

export const usePolicyFields = () =>
  useQuery({
    queryKey: ['policy-fields'],
    queryFn: () => apiRequest<{ items: PolicyField[] }>('/api/v1/console/policy-fields'),
    staleTime: Infinity,
  });

/** Cluster names by id, for tables that carry only the id. */
export function useClusterNames(): ReadonlyMap<string, string> {
  const clusters = useClusters();
  return new Map((clusters.data?.items ?? []).map((c) => [c.id, c.name]));
}
