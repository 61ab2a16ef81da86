-- Derived workload context (exposure, network policy isolation, RBAC level, …) depends on other
-- objects, so it changes without the workload's resourceVersion changing: it lives in its own
-- column, written by detection, rather than inside the versioned object.
ALTER TABLE workloads ADD COLUMN context jsonb;
