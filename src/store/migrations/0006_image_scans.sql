-- Image scanning in Central (issue 5 item 7): a job queue shared by replicas (claimed with
-- FOR UPDATE SKIP LOCKED), scan results per manifest digest, the digest each workload image
-- reference resolved to, vulnerabilities normalised for the views, and vulnerability exceptions.

-- One job per image: keyed by digest for pinned references, by reference otherwise (rescanned
-- after an interval, since a tag can move).
CREATE TABLE image_scan_jobs (
  image_key text PRIMARY KEY,
  reference text NOT NULL,
  digest text,
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done')),
  not_before timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  claimed_by text,
  claimed_at timestamptz,
  last_error text,
  finished_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX image_scan_jobs_due ON image_scan_jobs (not_before) WHERE state = 'queued';
CREATE INDEX image_scan_jobs_running ON image_scan_jobs (claimed_at) WHERE state = 'running';

-- What a workload image reference resolved to (known at once for pinned references).
CREATE TABLE image_references (
  reference text PRIMARY KEY,
  digest text,
  resolved_at timestamptz
);
CREATE INDEX image_references_digest ON image_references (digest);

-- The latest scan of each digest: the ImageScan as JSON (what detection evaluates), and
-- summary columns the lists sort and filter on.
CREATE TABLE image_scans (
  digest text PRIMARY KEY,
  reference text NOT NULL,
  os text NOT NULL DEFAULT '',
  scanned_at timestamptz NOT NULL,
  matched_at timestamptz NOT NULL,
  components integer NOT NULL DEFAULT 0,
  scan jsonb NOT NULL
);
CREATE INDEX image_scans_reference ON image_scans (reference);

-- One row per (image, vulnerability, component): the by-CVE, by-component and filtered views.
CREATE TABLE image_vulnerabilities (
  digest text NOT NULL REFERENCES image_scans (digest) ON DELETE CASCADE,
  cve text NOT NULL,
  advisory_id text NOT NULL,
  component_name text NOT NULL,
  component_version text NOT NULL,
  component_type text NOT NULL,
  severity text NOT NULL,
  severity_rank smallint NOT NULL,
  cvss real,
  fixable boolean NOT NULL,
  fixed_by text,
  summary text NOT NULL DEFAULT '',
  PRIMARY KEY (digest, advisory_id, component_name, component_version)
);
CREATE INDEX image_vulnerabilities_cve ON image_vulnerabilities (cve);
CREATE INDEX image_vulnerabilities_component ON image_vulnerabilities (component_name, component_version);
CREATE INDEX image_vulnerabilities_severity ON image_vulnerabilities (severity_rank, fixable);

-- Deferrals and false positives: an excepted CVE stops matching policies until it expires.
-- Scoped to one image digest, or to every image when digest is null.
CREATE TABLE vulnerability_exceptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  cve text NOT NULL,
  digest text,
  kind text NOT NULL CHECK (kind IN ('DEFERRAL', 'FALSE_POSITIVE')),
  reason text NOT NULL,
  expires_at timestamptz,
  created_by text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vulnerability_exceptions_cve ON vulnerability_exceptions (cve);
