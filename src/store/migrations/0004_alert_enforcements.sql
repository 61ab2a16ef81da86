-- Enforcement actions a Sensor took for an alert (central/routes/sensor.ts): one row per alert and
-- action, the latest attempt's outcome. An alert whose policy has enforcementActions is pending
-- for an action until it has a SUCCEEDED or SKIPPED row, or FAILED three times.
CREATE TABLE alert_enforcements (
  alert_id uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  action text NOT NULL,
  cluster_id uuid NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
  outcome text NOT NULL CHECK (outcome IN ('SUCCEEDED', 'FAILED', 'SKIPPED')),
  message text NOT NULL DEFAULT '',
  attempts integer NOT NULL DEFAULT 1,
  first_at timestamptz NOT NULL DEFAULT now(),
  last_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (alert_id, action)
);
CREATE INDEX alert_enforcements_cluster ON alert_enforcements (cluster_id);
