// Enforcement of alerts whose policy carries enforcementActions (StackRox names), acting on the
// cluster through its API: scale to zero (the scale subresource), kill pods (delete), an
// unsatisfiable node constraint (a nodeSelector no node has) and network isolation (a deny-all
// NetworkPolicy for the workload's pods; a Palisade extension). Central lists what is pending
// for this cluster (routes/sensor.ts); each outcome is recorded on the alert there. Nothing
// happens unless the cluster's Sensor config allows it (EnforcementConfig).

import type { Logger } from 'pino';
import { normaliseObject, selectorMatches } from '../k8s/index.ts';
import type { LabelSelector } from '../model/index.ts';
import type { CentralClient, EnforcementOutcome, PendingEnforcement } from './central-client.ts';
import { KubeApiError, type KubeClient, type KubeObject } from './kube-client.ts';
import type { SensorMetrics } from './metrics.ts';
import { objectPath, resourceOfKind } from './resources.ts';

export const enforcementActions = [
  'SCALE_TO_ZERO_ENFORCEMENT',
  'KILL_POD_ENFORCEMENT',
  'UNSATISFIABLE_NODE_CONSTRAINT_ENFORCEMENT',
  'NETWORK_ISOLATION_ENFORCEMENT',
] as const;
export type EnforcementAction = (typeof enforcementActions)[number];

export interface EnforcementConfig {
  /** The cluster allows enforcement at all (`palisade sensor --enforce`). */
  readonly enabled: boolean;
  /** The actions allowed; all of enforcementActions when omitted. */
  readonly actions?: readonly string[] | undefined;
  /** Namespaces never enforced on. */
  readonly excludedNamespaces?: readonly string[] | undefined;
}

/** The label key of the node constraint that no node satisfies. */
export const unsatisfiableNodeLabel = 'palisade.dev/unsatisfiable';

interface Outcome {
  readonly outcome: EnforcementOutcome;
  readonly message: string;
}

/** What the Sensor knows of the cluster: its informer caches. */
export interface ClusterView {
  cached(kind: string, namespace?: string): KubeObject[];
}

const scalable = new Set([
  'Deployment',
  'StatefulSet',
  'ReplicaSet',
  'ReplicationController',
  'DeploymentConfig',
]);

function isAction(action: string): action is EnforcementAction {
  return (enforcementActions as readonly string[]).includes(action);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Enforcer {
  constructor(
    private readonly kube: KubeClient,
    private readonly view: ClusterView,
    private readonly config: EnforcementConfig,
    private readonly metrics: SensorMetrics,
    private readonly logger: Logger,
  ) {}

  allows(action: string, namespace: string): boolean {
    if (!this.config.enabled) return false;
    if ((this.config.excludedNamespaces ?? []).includes(namespace)) return false;
    return (this.config.actions ?? enforcementActions).includes(action);
  }

  /** Takes every pending action this cluster allows and records each outcome in Central. */
  async runPending(central: CentralClient): Promise<number> {
    const pending = await central.pendingEnforcement();
    let taken = 0;
    for (const item of pending) {
      for (const action of item.actions) {
        // Not allowed here: left pending, so allowing it later still acts on the alert.
        if (!this.allows(action, item.workload.namespace)) continue;
        const result = await this.enforce(action, item);
        this.metrics.enforcements.inc({ action, outcome: result.outcome });
        this.logger.info(
          { alert: item.alertId, policy: item.policyId, action, ...item.workload, ...result },
          'enforcement',
        );
        await central.recordEnforcement({ alertId: item.alertId, action, ...result });
        taken++;
      }
    }
    return taken;
  }

  async enforce(action: string, item: PendingEnforcement): Promise<Outcome> {
    if (!isAction(action))
      return { outcome: 'SKIPPED', message: `'${action}' is not an action the Sensor takes` };
    const workload = this.view
      .cached(item.workload.kind, item.workload.namespace)
      .find((o) => o.metadata?.['name'] === item.workload.name);
    if (workload === undefined)
      return { outcome: 'SKIPPED', message: 'the workload is no longer in the cluster' };
    try {
      switch (action) {
        case 'SCALE_TO_ZERO_ENFORCEMENT':
          return await this.scaleToZero(item);
        case 'KILL_POD_ENFORCEMENT':
          return await this.killPods(item, workload);
        case 'UNSATISFIABLE_NODE_CONSTRAINT_ENFORCEMENT':
          return await this.constrainNodes(item);
        case 'NETWORK_ISOLATION_ENFORCEMENT':
          return await this.isolate(item, workload);
      }
    } catch (error) {
      return { outcome: 'FAILED', message: describeError(error) };
    }
  }

  private pathOf(item: PendingEnforcement): string {
    const resource = resourceOfKind(item.workload.kind);
    if (resource === undefined) throw new Error(`the kind ${item.workload.kind} is not watched`);
    return objectPath(resource, item.workload.namespace, item.workload.name);
  }

  private async scaleToZero(item: PendingEnforcement): Promise<Outcome> {
    if (!scalable.has(item.workload.kind))
      return { outcome: 'SKIPPED', message: `a ${item.workload.kind} cannot be scaled` };
    await this.kube.request('PATCH', `${this.pathOf(item)}/scale`, {
      body: { spec: { replicas: 0 } },
      contentType: 'application/merge-patch+json',
    });
    return {
      outcome: 'SUCCEEDED',
      message: `scaled ${item.workload.kind} ${item.workload.name} to 0`,
    };
  }

  private async constrainNodes(item: PendingEnforcement): Promise<Outcome> {
    const nodeSelector = { [unsatisfiableNodeLabel]: item.alertId };
    const podSpec = { template: { spec: { nodeSelector } } };
    let spec: Record<string, unknown>;
    switch (item.workload.kind) {
      case 'Pod':
      case 'Job':
        // Both pod specs are immutable once created.
        return {
          outcome: 'SKIPPED',
          message: `a ${item.workload.kind}'s pod template cannot be changed`,
        };
      case 'CronJob':
        spec = { jobTemplate: { spec: podSpec } };
        break;
      default:
        spec = podSpec;
    }
    await this.kube.request('PATCH', this.pathOf(item), {
      body: { spec },
      contentType: 'application/merge-patch+json',
    });
    return {
      outcome: 'SUCCEEDED',
      message: `added nodeSelector ${unsatisfiableNodeLabel}=${item.alertId}, which no node has`,
    };
  }

  private selectorOf(workload: KubeObject): LabelSelector | null {
    const normalised = normaliseObject({
      apiVersion: workload.apiVersion ?? '',
      kind: workload.kind ?? '',
      body: workload,
      source: { file: 'cluster', line: 0 },
    });
    if (normalised?.kind !== 'Workload') return null;
    if (normalised.workloadKind === 'Pod')
      return { matchLabels: normalised.meta.labels, matchExpressions: [] };
    return normalised.selector;
  }

  private async killPods(item: PendingEnforcement, workload: KubeObject): Promise<Outcome> {
    const { namespace, name } = item.workload;
    let pods: string[];
    if (item.workload.kind === 'Pod') pods = [name];
    else {
      const selector = this.selectorOf(workload);
      if (selector === null)
        return { outcome: 'SKIPPED', message: 'the workload has no pod selector' };
      pods = this.view
        .cached('Pod', namespace)
        .filter((pod) => {
          const labels = (pod.metadata?.['labels'] ?? {}) as Record<string, string>;
          return selectorMatches(selector, labels);
        })
        .map((pod) => {
          const podName = pod.metadata?.['name'];
          return typeof podName === 'string' ? podName : '';
        });
    }
    let deleted = 0;
    for (const pod of pods) {
      try {
        await this.kube.request(
          'DELETE',
          `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}`,
        );
        deleted++;
      } catch (error) {
        // Gone already: the goal is reached.
        if (!(error instanceof KubeApiError && error.statusCode === 404)) throw error;
      }
    }
    return { outcome: 'SUCCEEDED', message: `deleted ${deleted} pod${deleted === 1 ? '' : 's'}` };
  }

  private async isolate(item: PendingEnforcement, workload: KubeObject): Promise<Outcome> {
    const selector = this.selectorOf(workload);
    if (selector === null)
      return { outcome: 'SKIPPED', message: 'the workload has no pod selector' };
    const { namespace } = item.workload;
    const name = `palisade-isolate-${item.workload.name}`.slice(0, 253).replace(/[-.]+$/, '');
    const policy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name,
        namespace,
        labels: { 'app.kubernetes.io/managed-by': 'palisade' },
        annotations: { 'palisade.dev/alert': item.alertId, 'palisade.dev/policy': item.policyId },
      },
      spec: {
        podSelector: {
          ...(Object.keys(selector.matchLabels).length > 0
            ? { matchLabels: selector.matchLabels }
            : {}),
          ...(selector.matchExpressions.length > 0
            ? { matchExpressions: selector.matchExpressions }
            : {}),
        },
        // No rules: nothing may reach the pods and they may reach nothing.
        policyTypes: ['Ingress', 'Egress'],
      },
    };
    try {
      await this.kube.request(
        'POST',
        `/apis/networking.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/networkpolicies`,
        { body: policy },
      );
    } catch (error) {
      if (!(error instanceof KubeApiError && error.statusCode === 409)) throw error;
    }
    return {
      outcome: 'SUCCEEDED',
      message: `NetworkPolicy ${namespace}/${name} isolates the pods`,
    };
  }
}
