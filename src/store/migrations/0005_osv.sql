-- OSV vulnerability records (issue 5 item 5): the database image scans match against. The same
-- tables serve Central and the CLI (embedded PGlite in the cache directory). A record is kept in
-- the compact form the matcher reads (vuln/osv.ts StoredAdvisory) and indexed by each package it
-- affects: base ecosystem ("Debian", not "Debian:12") and the package key (vuln/match.ts
-- packageKey: PEP 503 names for PyPI, lower case where the ecosystem ignores case).

CREATE TABLE osv_records (
  id text PRIMARY KEY,
  -- OSV `modified`: a re-import replaces a record only with one modified no earlier.
  modified timestamptz NOT NULL,
  imported_at timestamptz NOT NULL,
  -- json, not jsonb: kept as written (key order included, so reports are byte-stable) and
  -- returned without re-serialising; nothing queries inside it.
  advisory json NOT NULL
);

CREATE TABLE osv_packages (
  ecosystem text NOT NULL,
  name text NOT NULL,
  record_id text NOT NULL REFERENCES osv_records (id) ON DELETE CASCADE,
  PRIMARY KEY (ecosystem, name, record_id)
);
CREATE INDEX osv_packages_record ON osv_packages (record_id);

-- Per base ecosystem: how many records, recounted at the end of each import.
CREATE TABLE osv_ecosystems (
  ecosystem text PRIMARY KEY,
  records integer NOT NULL CHECK (records >= 0),
  imported_at timestamptz NOT NULL
);

-- Per OSV ecosystem downloaded by `vulndb update`: the validators of the last download
-- (RFC 9110 §13.1), so the next update asks for changes only.
CREATE TABLE osv_sources (
  ecosystem text PRIMARY KEY,
  url text NOT NULL,
  etag text,
  last_modified text,
  updated_at timestamptz,
  checked_at timestamptz NOT NULL
);
