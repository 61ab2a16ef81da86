-- A per-package index of the OSV records (issue 5 "Performance"): for each package key, the
-- compact advisories that affect it as one JSON array, sorted by id. A scan of 5,000 packages
-- reads one row per package that has advisories instead of one joined row per (package,
-- advisory) pair — tens of thousands of scattered heap fetches in embedded PGlite.
--
-- osv_records and osv_packages stay the truth; writes mark the keys they touch in
-- osv_index_dirty (in the same transaction), and a refresh (osv-records.ts refreshOsvIndex, run
-- after every import and before a read that finds dirty keys) rebuilds just those keys. An import
-- that stops half-way therefore leaves dirty keys behind, never a stale index.

CREATE TABLE osv_package_advisories (
  ecosystem text NOT NULL,
  name text NOT NULL,
  -- A JSON array of vuln/osv.ts StoredAdvisory, as text: parsed once by the reader.
  advisories text NOT NULL,
  PRIMARY KEY (ecosystem, name)
);

CREATE TABLE osv_index_dirty (
  ecosystem text NOT NULL,
  name text NOT NULL,
  PRIMARY KEY (ecosystem, name)
);

-- Existing databases: every key is built by the first refresh.
INSERT INTO osv_index_dirty (ecosystem, name) SELECT DISTINCT ecosystem, name FROM osv_packages;
