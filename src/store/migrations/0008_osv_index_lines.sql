-- The per-package index as text that a scan parses only as far as it must (issue 5
-- "Performance"; vuln/advisory-index.ts describes the format). A scan of a Debian image
-- parsed every release's affected entries of every advisory it loaded; now each row keeps its
-- advisories' entries per exact ecosystem and name on a line of their own, and their details
-- (the advisories without affected entries) apart.
--
-- osv_records keeps each advisory's details element; osv_packages each (record, exact
-- ecosystem and name) candidate element, written by osv-records.ts from the parsed record, and
-- still indexed by the row's key. Records imported before this migration get one candidate
-- with every affected entry as it was stored and an empty exact ecosystem and name: it is
-- matched as before (the matcher filters entries itself) until the record is imported again.

ALTER TABLE osv_records ADD COLUMN details text;
UPDATE osv_records SET details = (advisory::jsonb - 'affected')::text;
ALTER TABLE osv_records ALTER COLUMN details SET NOT NULL;

ALTER TABLE osv_packages
  ADD COLUMN exact_ecosystem text NOT NULL DEFAULT '',
  ADD COLUMN exact_name text NOT NULL DEFAULT '',
  ADD COLUMN candidate text;
-- ["<id>", {affected entry}, …]: the stored array's elements after the id.
UPDATE osv_packages p
  SET candidate = '[' || to_json(p.record_id)::text || ',' ||
    substr((r.advisory -> 'affected')::text, 2)
  FROM osv_records r WHERE r.id = p.record_id;
ALTER TABLE osv_packages
  ALTER COLUMN candidate SET NOT NULL,
  ALTER COLUMN exact_ecosystem DROP DEFAULT,
  ALTER COLUMN exact_name DROP DEFAULT,
  DROP CONSTRAINT osv_packages_pkey,
  ADD PRIMARY KEY (ecosystem, name, record_id, exact_ecosystem, exact_name);

ALTER TABLE osv_records DROP COLUMN advisory;

DROP TABLE osv_package_advisories;
CREATE TABLE osv_package_advisories (
  ecosystem text NOT NULL,
  name text NOT NULL,
  -- advisory-index.ts: "<ecosystem>\t<name>\t<JSON candidates>" lines.
  entries text NOT NULL,
  -- advisory-index.ts: a JSON array of the advisories' details, in id order.
  details text NOT NULL,
  PRIMARY KEY (ecosystem, name)
);

-- Every key is rebuilt by the next refresh (the first read, or the next import).
INSERT INTO osv_index_dirty (ecosystem, name)
  SELECT DISTINCT ecosystem, name FROM osv_packages
  ON CONFLICT DO NOTHING;
