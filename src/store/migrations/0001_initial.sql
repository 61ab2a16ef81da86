-- Palisade Central schema, first version (issue 3 item 1). Forward-only: never edit this file
-- once released; add 0002_*.sql instead. Runs on PostgreSQL 15+ and PGlite.

-- Whether an incoming resourceVersion may replace the stored one. Kubernetes calls them opaque;
-- when both are integers (as etcd-backed servers produce) an older one is refused.
CREATE FUNCTION palisade_resource_version_newer(incoming text, stored text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN incoming ~ '^[0-9]{1,30}$' AND stored ~ '^[0-9]{1,30}$'
      THEN incoming::numeric >= stored::numeric
    ELSE true
  END
$$;

CREATE TABLE clusters (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE,
  labels jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  last_contact_at timestamptz,
  sensor_version text
);

CREATE TABLE namespaces (
  cluster_id uuid NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
  name text NOT NULL,
  uid text NOT NULL DEFAULT '',
  resource_version text NOT NULL DEFAULT '',
  labels jsonb NOT NULL DEFAULT '{}',
  object jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (cluster_id, name)
);

CREATE TABLE workloads (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  cluster_id uuid NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
  namespace text NOT NULL,
  kind text NOT NULL,
  name text NOT NULL,
  uid text NOT NULL DEFAULT '',
  resource_version text NOT NULL DEFAULT '',
  service_account text NOT NULL DEFAULT '',
  images text[] NOT NULL DEFAULT '{}',
  object jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (cluster_id, namespace, kind, name)
);
CREATE INDEX workloads_namespace ON workloads (namespace);
CREATE INDEX workloads_kind ON workloads (kind);
CREATE INDEX workloads_name ON workloads (name);
CREATE INDEX workloads_images ON workloads USING gin (images);

-- Kubernetes objects that checks read (Services, Ingresses, NetworkPolicies, RBAC,
-- ServiceAccounts, ConfigMaps, Secrets' metadata, …). kind is the API kind (meta.kind).
CREATE TABLE objects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  cluster_id uuid NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
  kind text NOT NULL,
  namespace text NOT NULL,
  name text NOT NULL,
  uid text NOT NULL DEFAULT '',
  resource_version text NOT NULL DEFAULT '',
  object jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (cluster_id, kind, namespace, name)
);
CREATE INDEX objects_cluster_namespace_kind ON objects (cluster_id, namespace, kind);
CREATE INDEX objects_kind ON objects (kind);

CREATE TABLE policies (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  body jsonb NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  severity text NOT NULL
    CHECK (severity IN ('LOW_SEVERITY', 'MEDIUM_SEVERITY', 'HIGH_SEVERITY', 'CRITICAL_SEVERITY')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX policies_disabled_severity ON policies (disabled, severity);

-- Alerts keep history: no foreign key to policies or workloads, whose names are copied here.
CREATE TABLE alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  policy_id text NOT NULL,
  policy_name text NOT NULL,
  cluster_id uuid NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
  namespace text NOT NULL,
  workload_id uuid REFERENCES workloads (id) ON DELETE SET NULL,
  workload_kind text NOT NULL,
  workload_name text NOT NULL,
  state text NOT NULL CHECK (state IN ('ACTIVE', 'RESOLVED', 'ATTEMPTED')),
  severity text NOT NULL
    CHECK (severity IN ('LOW_SEVERITY', 'MEDIUM_SEVERITY', 'HIGH_SEVERITY', 'CRITICAL_SEVERITY')),
  lifecycle_stage text NOT NULL CHECK (lifecycle_stage IN ('DEPLOY', 'BUILD', 'RUNTIME')),
  violations jsonb NOT NULL DEFAULT '[]',
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  CHECK ((state = 'RESOLVED') = (resolved_at IS NOT NULL))
);
-- At most one ACTIVE alert per policy, workload and stage: the detection loop upserts into it.
CREATE UNIQUE INDEX alerts_one_active
  ON alerts (policy_id, cluster_id, namespace, workload_kind, workload_name, lifecycle_stage)
  WHERE state = 'ACTIVE';
CREATE INDEX alerts_state_severity ON alerts (state, severity, last_seen DESC);
CREATE INDEX alerts_policy ON alerts (policy_id, state);
CREATE INDEX alerts_cluster_namespace ON alerts (cluster_id, namespace, state);
CREATE INDEX alerts_last_seen ON alerts (last_seen DESC);
CREATE INDEX alerts_workload ON alerts (workload_id);

CREATE TABLE risk_scores (
  workload_id uuid PRIMARY KEY REFERENCES workloads (id) ON DELETE CASCADE,
  score double precision NOT NULL CHECK (score >= 0),
  factors jsonb NOT NULL DEFAULT '[]',
  computed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX risk_scores_score ON risk_scores (score DESC);

-- Only the SHA-256 of a token is kept. A Sensor token belongs to exactly one cluster.
CREATE TABLE api_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('Admin', 'Analyst', 'Continuous Integration', 'Sensor')),
  cluster_id uuid REFERENCES clusters (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  CHECK ((role = 'Sensor') = (cluster_id IS NOT NULL))
);
CREATE INDEX api_tokens_cluster ON api_tokens (cluster_id);

CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  actor text NOT NULL,
  action text NOT NULL,
  target text NOT NULL DEFAULT '',
  at timestamptz NOT NULL DEFAULT now(),
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
CREATE INDEX audit_log_actor ON audit_log (actor, at DESC);
CREATE INDEX audit_log_action ON audit_log (action, at DESC);
