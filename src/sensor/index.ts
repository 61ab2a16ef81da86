// Public surface of sensor/: the cluster watcher that keeps Central current (Sensor), its
// enforcement, the one-shot list phase `palisade cluster scan` uses, and the Sensor manifest.
export { Sensor } from './sensor.ts';
export type { SensorOptions } from './sensor.ts';
export { KubeClient, KubeApiError } from './kube-client.ts';
export type { KubeObject } from './kube-client.ts';
export { CentralClient, CentralError } from './central-client.ts';
export type { CentralClientOptions, DeltaEvent, PendingEnforcement } from './central-client.ts';
export type { CentralSyncOptions } from './central-sync.ts';
export { enforcementActions, unsatisfiableNodeLabel } from './enforce.ts';
export type { EnforcementConfig, EnforcementAction } from './enforce.ts';
export { readClusterConfig, clusterConfigSchema } from './cluster-config.ts';
export type { ClusterConfig } from './cluster-config.ts';
export { watchedResources, discoverResources } from './resources.ts';
export type { WatchedResource } from './resources.ts';
export { isForwarded, sanitizeObject } from './sanitize.ts';
export { listCluster } from './scan.ts';
export type { ClusterListing } from './scan.ts';
export { renderSensorManifest, sensorNodeOptions } from './manifest.ts';
export type { SensorManifestOptions } from './manifest.ts';
