-- Alert lists read many alerts and none of their violations. Violations move out of the row
-- (TOAST from 128 bytes rather than 2 kB) so list scans and counts touch small rows, and the
-- count a list shows is kept beside them. An index serves the common namespace filter.
ALTER TABLE alerts SET (toast_tuple_target = 128);
ALTER TABLE alerts ADD COLUMN violation_count integer NOT NULL DEFAULT 0;
UPDATE alerts SET violation_count = jsonb_array_length(violations);
CREATE INDEX alerts_namespace_state_severity ON alerts (namespace, state, severity, last_seen DESC);
