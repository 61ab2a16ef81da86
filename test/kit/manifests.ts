// Small manifest builders shared by the Central tests: a Deployment with one container port,
// and a YAML stream split into plain objects as a Sensor would send them.
import { parse } from 'yaml';
import type { SnapshotBody } from '../../src/central/index.ts';

/** The documents of a `---`-separated YAML stream, as objects (empty documents dropped). */
export function yamlObjects(yaml: string): SnapshotBody['objects'] {
  return yaml
    .split(/^---$/m)
    .map((doc) => parse(doc) as SnapshotBody['objects'][number])
    .filter((doc) => doc !== null);
}

export interface DeploymentOptions {
  readonly name: string;
  readonly resourceVersion: string;
  readonly privileged: boolean;
  readonly namespace: string;
  readonly image: string;
}

/** A Deployment with container 'app' exposing 8080, optionally privileged. */
export function deploymentYaml(o: DeploymentOptions): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${o.name}, namespace: ${o.namespace}, resourceVersion: "${o.resourceVersion}" }
spec:
  selector: { matchLabels: { app: ${o.name} } }
  template:
    metadata: { labels: { app: ${o.name} } }
    spec:
      containers:
        - name: app
          image: ${o.image}
          ports: [{ containerPort: 8080 }]
          securityContext: { privileged: ${o.privileged} }
`;
}
