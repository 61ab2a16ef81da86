// End-to-end: `palisade image scan|sbom` and `palisade vulndb import|status` as processes, on
// images built in code (a Debian-like image with a dpkg status and a global npm package, an
// Alpine-like image with apk's installed database), pushed to a real docker-registry, read back
// from an OCI layout and a docker-save archive, and matched against real OSV records from
// ../shared/vuln/osv-records. Outputs are compared with golden files; SARIF is validated against
// SARIF 2.1.0, CycloneDX against the official 1.6 schema, SPDX 2.3 by its structural rules.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv04Module from 'ajv-draft-04';
import AjvModule from 'ajv';
import { OciLayout, writeDockerArchive, type TestImage } from './kit/images.ts';
import {
  pushWithSkopeo,
  registrySkipReason,
  startTestRegistry,
  type TestRegistry,
} from './kit/registry.ts';
import { runPalisade, type CliRun } from './kit/cli.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const recordsDir = fileURLToPath(new URL('../../shared/vuln/osv-records/', import.meta.url));
const sharedSkip = existsSync(recordsDir)
  ? undefined
  : `../shared/vuln is absent (${recordsDir}); it holds the real OSV records these tests match`;
const skip = sharedSkip ?? registrySkipReason();
/** 2024-06-01T00:00:00Z: the scans' clock (SOURCE_DATE_EPOCH), so outputs are reproducible. */
const epoch = '1717200000';

function palisade(
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<CliRun> {
  return runPalisade(args, {
    cwd: options.cwd,
    env: { SOURCE_DATE_EPOCH: epoch, ...options.env },
  });
}

function golden(name: string, actual: string): void {
  const path = join(root, 'test', 'golden', name);
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(path, actual);
  assert.equal(
    actual,
    readFileSync(path, 'utf8'),
    `output differs from test/golden/${name} (UPDATE_GOLDEN=1 to refresh)`,
  );
}

const dpkgStatus = (packages: readonly string[]) => `${packages.join('\n\n')}\n`;
const basePackages = [
  'Package: base-files\nStatus: install ok installed\nVersion: 9.9+deb9u13\nArchitecture: amd64\nDescription: Debian base system miscellaneous files',
  'Package: dpkg\nStatus: install ok installed\nVersion: 1.18.25\nArchitecture: amd64\nDescription: Debian package management system',
  'Package: libssl1.1\nStatus: install ok installed\nSource: openssl\nVersion: 1.1.0l-1~deb9u5\nArchitecture: amd64\nDescription: Secure Sockets Layer toolkit - shared libraries',
  'Package: tzdata\nStatus: install ok installed\nVersion: 2021a-0+deb9u3\nArchitecture: all\nDescription: time zone and daylight-saving time data',
];
const libxml2 =
  'Package: libxml2\nStatus: install ok installed\nSource: libxml2 (2.9.4+dfsg1-2.2+deb9u6)\nVersion: 2.9.4+dfsg1-2.2+deb9u6+b1\nArchitecture: amd64\nDescription: GNOME XML library';

const osRelease = (lines: readonly string[]) => `${lines.join('\n')}\n`;

/** Debian 9 with an npm package: DLA advisories (by source package) and a GHSA without a fix. */
const debianImage: TestImage = {
  user: 'app',
  labels: { 'org.opencontainers.image.title': 'palisade-test-debian' },
  layers: [
    {
      createdBy: 'ADD rootfs.tar.xz /',
      entries: [
        {
          path: 'usr/lib/os-release',
          content: osRelease([
            'PRETTY_NAME="Debian GNU/Linux 9 (stretch)"',
            'NAME="Debian GNU/Linux"',
            'VERSION_ID="9"',
            'VERSION_CODENAME=stretch',
            'ID=debian',
          ]),
        },
        { path: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
        { path: 'var/lib/dpkg/status', content: dpkgStatus(basePackages) },
        ...['base-files', 'dpkg', 'libssl1.1:amd64', 'tzdata'].map((name) => ({
          path: `var/lib/dpkg/info/${name}.list`,
          content: '/.\n',
        })),
      ],
    },
    {
      createdBy: '/bin/sh -c apt-get install -y libxml2',
      entries: [
        { path: 'var/lib/dpkg/status', content: dpkgStatus([...basePackages, libxml2]) },
        { path: 'var/lib/dpkg/info/libxml2:amd64.list', content: '/.\n' },
      ],
    },
    {
      createdBy: '/bin/sh -c npm install -g babel-traverse@6.26.0',
      entries: [
        {
          path: 'usr/lib/node_modules/babel-traverse/package.json',
          content: JSON.stringify({ name: 'babel-traverse', version: '6.26.0' }),
        },
      ],
    },
  ],
};

/** Alpine 3.19 with the musl that ALPINE-CVE-2025-26519 fixes in 1.2.4_git20230717-r5. */
const alpineImage: TestImage = {
  layers: [
    {
      createdBy: 'ADD alpine-minirootfs.tar.gz /',
      entries: [
        {
          path: 'etc/os-release',
          content: osRelease([
            'NAME="Alpine Linux"',
            'ID=alpine',
            'VERSION_ID=3.19.1',
            'PRETTY_NAME="Alpine Linux v3.19"',
          ]),
        },
        { path: 'etc/alpine-release', content: '3.19.1\n' },
        {
          path: 'lib/apk/db/installed',
          content: [
            'P:musl\nV:1.2.4_git20230717-r4\nA:x86_64\no:musl\n',
            'P:busybox\nV:1.36.1-r15\nA:x86_64\no:busybox\n',
            '',
          ].join('\n'),
        },
      ],
    },
  ],
};

interface CycloneDxComponent {
  'bom-ref': string;
  type: string;
  name: string;
  purl?: string;
  properties?: { name: string; value: string }[];
}

interface ScanJson {
  image: {
    reference: string;
    digest: string;
    config: { user: string; labels: Record<string, string> };
  };
  vulnerabilityDb: { matched: boolean; records: number };
  vulnerabilities: {
    id: string;
    advisoryId: string;
    package: { name: string; sourceName: string | null };
    installedVersion: string;
    fixedVersions: string[];
    fixable: boolean;
    severity: string;
    layer: { digest: string; createdBy: string | null };
  }[];
  ignored: { vulnerability: { id: string }; rule: { reason: string } }[];
  expiredIgnores: { id: string; expires: string }[];
  components: { name: string; type: string }[];
  summary: { failed: boolean; matched: boolean };
}

describe('palisade image scan and sbom (process, real registry)', { skip }, () => {
  let work: string;
  let registry: TestRegistry;
  let env: Record<string, string>;
  let debianRef: string;
  let alpineRef: string;

  const run = (args: string[], extraEnv: Record<string, string> = {}) =>
    palisade(args, { cwd: work, env: { ...env, ...extraEnv } });
  const scanJson = async (args: string[]): Promise<{ run: CliRun; body: ScanJson }> => {
    const result = await run(['image', 'scan', ...args, '-o', 'json']);
    assert.ok(result.stdout.startsWith('{'), `${result.stderr}\n${result.stdout}`);
    return { run: result, body: JSON.parse(result.stdout) as ScanJson };
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'palisade-cli-image-'));
    env = {
      PALISADE_HOME: join(work, 'home'),
      DOCKER_CONFIG: join(work, 'docker'),
    };
    const layout = new OciLayout(join(work, 'layout'));
    await layout.addImage('debian', debianImage);
    await layout.addImage('alpine', alpineImage);
    await writeDockerArchive(
      join(work, 'alpine.tar'),
      [{ repoTags: ['test/alpine:3.19'], image: alpineImage }],
      'legacy',
    );
    registry = await startTestRegistry();
    debianRef = `${registry.host}/test/debian:9`;
    alpineRef = `${registry.host}/test/alpine:3.19`;
    await pushWithSkopeo(join(work, 'layout'), 'debian', debianRef);
    await pushWithSkopeo(join(work, 'layout'), 'alpine', alpineRef);
    const imported = await run(['vulndb', 'import', recordsDir]);
    assert.equal(imported.code, 0, imported.stderr);
  });

  after(async () => {
    await registry?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('imports OSV records and reports what the database holds', async () => {
    const status = await run(['vulndb', 'status', '-o', 'json']);
    assert.equal(status.code, 0, status.stderr);
    const body = JSON.parse(status.stdout) as {
      present: boolean;
      records: number;
      ecosystems: { ecosystem: string; records: number }[];
    };
    assert.equal(body.present, true);
    const ecosystems = body.ecosystems.map((e) => e.ecosystem);
    for (const wanted of ['Alpine', 'Debian', 'npm', 'Maven'])
      assert.ok(ecosystems.includes(wanted), wanted);
    assert.ok(body.records > 500, String(body.records));
    const table = await run(['vulndb', 'status']);
    assert.match(table.stdout, /^Debian\s+\d+\s+2024-06-01T00:00:00\.000Z/m);
  });

  it('finds the Debian advisories by source package and version, with fixed versions and layers', async () => {
    const { run: scan, body } = await scanJson([debianRef]);
    assert.equal(scan.code, 0, scan.stderr);
    assert.equal(body.vulnerabilityDb.matched, true);
    assert.equal(body.image.config.user, 'app');
    assert.equal(
      body.image.config.labels['org.opencontainers.image.title'],
      'palisade-test-debian',
    );
    assert.match(body.image.digest, /^sha256:[0-9a-f]{64}$/);
    const byPackage = new Map(body.vulnerabilities.map((v) => [v.package.name, v]));
    const dpkg = byPackage.get('dpkg');
    assert.equal(dpkg?.id, 'CVE-2022-1664');
    assert.equal(dpkg?.advisoryId, 'DLA-3022-1');
    assert.deepEqual(dpkg?.fixedVersions, ['1.18.26']);
    assert.equal(dpkg?.fixable, true);
    // libssl1.1 is built from openssl: the DLA names the source package.
    const ssl = byPackage.get('libssl1.1');
    assert.equal(ssl?.advisoryId, 'DLA-3008-1');
    assert.equal(ssl?.package.sourceName, 'openssl');
    assert.deepEqual(ssl?.fixedVersions, ['1.1.0l-1~deb9u6']);
    // binNMU: the binary is +b1, the advisory compares the source version.
    const xml = byPackage.get('libxml2');
    assert.equal(xml?.advisoryId, 'DLA-3012-1');
    assert.equal(xml?.installedVersion, '2.9.4+dfsg1-2.2+deb9u6');
    assert.equal(xml?.layer.createdBy, '/bin/sh -c apt-get install -y libxml2');
    assert.equal(dpkg?.layer.createdBy, 'ADD rootfs.tar.xz /');
    const babel = byPackage.get('babel-traverse');
    assert.equal(babel?.id, 'CVE-2023-45133');
    assert.equal(babel?.fixable, false);
    assert.deepEqual(babel?.fixedVersions, []);
    assert.equal(babel?.layer.createdBy, '/bin/sh -c npm install -g babel-traverse@6.26.0');
    assert.equal(byPackage.has('base-files'), false);
    assert.deepEqual(body.components.map((c) => `${c.type}:${c.name}`).sort(), [
      'deb:base-files',
      'deb:dpkg',
      'deb:libssl1.1',
      'deb:libxml2',
      'deb:tzdata',
      'npm:babel-traverse',
    ]);
  });

  it('exits 1 with --fail-on-fixable and --fail-on, 0 without a gate', async () => {
    const fixable = await run(['image', 'scan', debianRef, '--fail-on-fixable']);
    assert.equal(fixable.code, 1, fixable.stderr);
    assert.match(fixable.stdout, /^Failed: \d+ vulnerabilities fixable\.$/m);
    const critical = await run(['image', 'scan', debianRef, '--fail-on', 'critical']);
    assert.equal(critical.code, 1, critical.stdout);
    // babel-traverse is the only CRITICAL and it has no fix.
    const both = await run([
      'image',
      'scan',
      debianRef,
      '--fail-on',
      'CRITICAL',
      '--fail-on-fixable',
    ]);
    assert.equal(both.code, 0, both.stdout);
    assert.match(both.stdout, /^Passed: no vulnerability fixable and at or above CRITICAL\.$/m);
    const unknownSeverity = await run(['image', 'scan', debianRef, '--fail-on', 'severe']);
    assert.equal(unknownSeverity.code, 2);
    assert.match(unknownSeverity.stderr, /--fail-on severe: expected one of/);
  });

  it('--ignore-unfixed hides vulnerabilities without a fix and --severity filters', async () => {
    const { body } = await scanJson([debianRef, '--ignore-unfixed']);
    assert.ok(body.vulnerabilities.length >= 4);
    assert.ok(body.vulnerabilities.every((v) => v.fixable));
    assert.ok(!body.vulnerabilities.some((v) => v.package.name === 'babel-traverse'));
    const critical = await scanJson([debianRef, '--severity', 'critical']);
    assert.deepEqual(
      critical.body.vulnerabilities.map((v) => v.package.name),
      ['babel-traverse'],
    );
  });

  it('an ignore file suppresses a vulnerability with its reason; an expired entry does not', async () => {
    const file = join(work, 'ignore.yaml');
    await writeFile(
      file,
      [
        '# accepted risks',
        '- id: CVE-2022-1664',
        '  package: dpkg',
        '  reason: dpkg is not run in the container',
        '  expires: 2030-01-01',
        '- id: DLA-3008-1',
        '  reason: old exception',
        '  expires: 2024-01-31',
        '',
      ].join('\n'),
    );
    const { run: scan, body } = await scanJson([debianRef, '--ignore-file', 'ignore.yaml']);
    assert.equal(scan.code, 0, scan.stderr);
    assert.deepEqual(
      body.ignored.map((i) => [i.vulnerability.id, i.rule.reason]),
      [['CVE-2022-1664', 'dpkg is not run in the container']],
    );
    assert.ok(!body.vulnerabilities.some((v) => v.package.name === 'dpkg'));
    assert.ok(body.vulnerabilities.some((v) => v.advisoryId === 'DLA-3008-1'));
    assert.deepEqual(
      body.expiredIgnores.map((r) => [r.id, r.expires]),
      [['DLA-3008-1', '2024-01-31']],
    );
    assert.match(scan.stderr, /ignore\.yaml:6: ignore rule for DLA-3008-1 expired on 2024-01-31/);
    const table = await run(['image', 'scan', debianRef, '--ignore-file', 'ignore.yaml']);
    assert.match(table.stdout, /Ignored \(1\)\n {2}CVE-2022-1664 dpkg 1\.18\.25: dpkg is not run/);
    assert.match(table.stdout, /Expired ignore rules \(1\)/);
  });

  it('an invalid ignore file is an input error naming file and line', async () => {
    await writeFile(join(work, 'bad.yaml'), '- id: CVE-2022-1664\n  package: dpkg\n');
    const missingReason = await run(['image', 'scan', debianRef, '--ignore-file', 'bad.yaml']);
    assert.equal(missingReason.code, 2);
    assert.match(
      missingReason.stderr,
      /^palisade: .*bad\.yaml:1: entry 'CVE-2022-1664' has no 'reason'/m,
    );
    await writeFile(join(work, 'bad2.yaml'), '- id: X\n  reason: r\n  expires: soon\n');
    const badDate = await run(['image', 'scan', debianRef, '--ignore-file', 'bad2.yaml']);
    assert.equal(badDate.code, 2);
    assert.match(badDate.stderr, /bad2\.yaml:1: entry 'X': expires 'soon' is not a date/);
  });

  it('scans an Alpine image from the registry, an OCI layout and a docker-save archive alike', async () => {
    const expectMusl = (body: ScanJson, what: string) => {
      const musl = body.vulnerabilities.find((v) => v.package.name === 'musl');
      assert.equal(musl?.id, 'CVE-2025-26519', what);
      assert.deepEqual(musl?.fixedVersions, ['1.2.4_git20230717-r5'], what);
    };
    const fromRegistry = await scanJson([alpineRef]);
    expectMusl(fromRegistry.body, 'registry');
    const fromLayout = await scanJson(['oci:layout:alpine']);
    expectMusl(fromLayout.body, 'oci layout');
    assert.equal(fromLayout.body.image.reference, 'oci:layout:alpine');
    const fromArchive = await scanJson(['alpine.tar']);
    expectMusl(fromArchive.body, 'docker archive');
    assert.deepEqual(
      fromArchive.body.components.map((c) => c.name),
      fromRegistry.body.components.map((c) => c.name),
    );
  });

  it('without a vulnerability database lists packages and says vulnerabilities were not matched', async () => {
    const empty = { PALISADE_HOME: join(work, 'empty-home') };
    const table = await run(['image', 'scan', debianRef], empty);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^Packages 6 \(deb 5, npm 1\)$/m);
    assert.match(
      table.stdout,
      /vulnerabilities were not matched: no vulnerability database; run "palisade vulndb update"/,
    );
    const json = await run(['image', 'scan', debianRef, '-o', 'json'], empty);
    const body = JSON.parse(json.stdout) as ScanJson;
    assert.equal(body.vulnerabilityDb.matched, false);
    assert.equal(body.components.length, 6);
    assert.match(json.stderr, /warning: vulnerabilities were not matched/);
    const gated = await run(['image', 'scan', debianRef, '--fail-on-fixable'], empty);
    assert.equal(gated.code, 2);
    assert.match(
      gated.stderr,
      /cannot apply --fail-on\/--fail-on-fixable without a vulnerability database/,
    );
    const explicit = await run(['image', 'scan', debianRef, '--vulndb', 'no-such-db']);
    assert.equal(explicit.code, 2);
    assert.match(explicit.stderr, /no vulnerability database in .*no-such-db/);
  });

  it('a hostile image is an input error with a clear message and no stack trace', async () => {
    const layout = new OciLayout(join(work, 'hostile'));
    await layout.addImage('evil', {
      layers: [
        {
          entries: [
            { path: 'etc/ok', content: 'ok' },
            { path: '../../etc/passwd', content: 'x' },
          ],
        },
      ],
    });
    const result = await run(['image', 'scan', 'oci:hostile:evil']);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^palisade: oci:.*hostile:evil: .*path traversal.*'\.\.\/\.\.\/etc\/passwd'/m,
    );
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    const missing = await run(['image', 'scan', 'oci:no-such-dir:x']);
    assert.equal(missing.code, 2);
    assert.doesNotMatch(missing.stderr, /\n\s+at /);
  });

  for (const format of ['table', 'json', 'sarif', 'csv']) {
    it(`renders ${format} output byte for byte like its golden file`, async () => {
      const result = await run(['image', 'scan', 'oci:layout:debian', '-o', format]);
      assert.equal(result.code, 0, result.stderr);
      golden(`image-scan.${format}`, result.stdout);
    });
  }

  it('writes SARIF that validates against SARIF 2.1.0 with one rule per vulnerability id', async () => {
    const result = await run(['image', 'scan', debianRef, '-o', 'sarif']);
    const sarif = JSON.parse(result.stdout) as {
      runs: {
        tool: { driver: { rules: { id: string; properties: Record<string, unknown> }[] } };
        results: {
          ruleId: string;
          locations: {
            physicalLocation: { artifactLocation: { uri: string } };
            logicalLocations: { fullyQualifiedName: string; kind: string }[];
          }[];
        }[];
      }[];
    };
    const require = createRequire(import.meta.url);
    const schema = JSON.parse(
      readFileSync(
        require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    delete schema['id'];
    const Ajv04 = Ajv04Module.default;
    const ajv = new Ajv04({
      allErrors: true,
      strict: false,
      validateFormats: false,
      unicodeRegExp: false,
    });
    const validate = ajv.compile(schema);
    assert.ok(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3)));
    const run0 = sarif.runs[0];
    assert.ok(run0);
    const ruleIds = run0.tool.driver.rules.map((r) => r.id);
    assert.equal(new Set(ruleIds).size, ruleIds.length);
    assert.ok(ruleIds.includes('CVE-2022-1664'));
    for (const rule of run0.tool.driver.rules)
      assert.match(String(rule.properties['security-severity']), /^\d+\.\d$/);
    for (const r of run0.results) {
      assert.ok(ruleIds.includes(r.ruleId));
      const location = r.locations[0];
      assert.equal(location?.physicalLocation.artifactLocation.uri, debianRef.replace(/:/g, '%3A'));
      assert.match(location?.logicalLocations[0]?.fullyQualifiedName ?? '', /^pkg:(deb|npm)\//);
    }
  });

  it('writes a CycloneDX 1.6 SBOM valid against the official schema, with layers and purls', async () => {
    const out = join(work, 'sbom.cdx.json');
    const result = await run([
      'image',
      'sbom',
      debianRef,
      '-o',
      'cyclonedx',
      '--output-file',
      out,
      '--vulnerabilities',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const bom = JSON.parse(readFileSync(out, 'utf8')) as {
      serialNumber: string;
      metadata: { component: CycloneDxComponent };
      components: CycloneDxComponent[];
      vulnerabilities: { id: string; affects: { ref: string }[] }[];
    };
    const require = createRequire(import.meta.url);
    const schemaDir = join(
      require.resolve('@cyclonedx/cyclonedx-library/package.json'),
      '..',
      'res',
      'schema',
    );
    const load = (name: string) =>
      JSON.parse(readFileSync(join(schemaDir, name), 'utf8')) as Record<string, unknown>;
    // ajv is CommonJS: its class is the default export's default.
    const Ajv = AjvModule.default;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    // bom-1.6 refers to its siblings by their file names, relative to its own $id.
    for (const name of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json'])
      ajv.addSchema({ ...load(name), $id: `http://cyclonedx.org/schema/${name}` });
    const validate = ajv.compile(load('bom-1.6.SNAPSHOT.schema.json'));
    assert.ok(validate(bom), JSON.stringify(validate.errors?.slice(0, 3)));
    assert.match(bom.serialNumber, /^urn:uuid:[0-9a-f-]{36}$/);
    assert.equal(bom.metadata.component.type, 'container');
    assert.match(
      bom.metadata.component.purl ?? '',
      /^pkg:oci\/debian@sha256%3A[0-9a-f]{64}\?arch=amd64&repository_url=127\.0\.0\.1:\d+\/test\/debian&tag=9$/,
    );
    const libxml = bom.components.find((c) => c.name === 'libxml2');
    assert.match(
      libxml?.purl ?? '',
      /^pkg:deb\/debian\/libxml2@2\.9\.4%2Bdfsg1-2\.2%2Bdeb9u6%2Bb1\?/,
    );
    assert.equal(
      libxml?.properties?.find((p) => p.name === 'palisade:layer:createdBy')?.value,
      '/bin/sh -c apt-get install -y libxml2',
    );
    const refs = new Set(bom.components.map((c) => c['bom-ref']));
    assert.equal(refs.size, bom.components.length);
    const cve = bom.vulnerabilities.find((v) => v.id === 'CVE-2022-1664');
    assert.ok(cve?.affects.every((a) => refs.has(a.ref)));
    const again = await run(['image', 'sbom', debianRef]);
    assert.notEqual(
      (JSON.parse(again.stdout) as { serialNumber: string }).serialNumber,
      bom.serialNumber,
    );
  });

  it("writes an SPDX 2.3 document that keeps the specification's structural rules", async () => {
    // No SPDX 2.3 JSON schema is published on npm (the only registry reachable here); these
    // are the rules of spdx-spec v2.3 §6 (document creation), §7 (packages), §11 (relationships)
    // and annex F (purl external references) that the schema encodes.
    const result = await run(['image', 'sbom', 'oci:layout:debian', '-o', 'spdx']);
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout) as {
      spdxVersion: string;
      dataLicense: string;
      SPDXID: string;
      name: string;
      documentNamespace: string;
      creationInfo: { created: string; creators: string[] };
      packages: {
        SPDXID: string;
        name: string;
        downloadLocation: string;
        filesAnalyzed: boolean;
        primaryPackagePurpose?: string;
        externalRefs?: {
          referenceCategory: string;
          referenceType: string;
          referenceLocator: string;
        }[];
      }[];
      relationships: {
        spdxElementId: string;
        relationshipType: string;
        relatedSpdxElement: string;
      }[];
    };
    assert.equal(doc.spdxVersion, 'SPDX-2.3');
    assert.equal(doc.dataLicense, 'CC0-1.0');
    assert.equal(doc.SPDXID, 'SPDXRef-DOCUMENT');
    assert.ok(doc.name.length > 0);
    assert.match(doc.documentNamespace, /^https:\/\/[^#\s]+$/);
    assert.equal(doc.creationInfo.created, '2024-06-01T00:00:00Z');
    assert.ok(doc.creationInfo.creators.every((c) => /^(Tool|Organization|Person): .+/.test(c)));
    const ids = doc.packages.map((p) => p.SPDXID);
    assert.equal(new Set(ids).size, ids.length);
    for (const p of doc.packages) {
      assert.match(p.SPDXID, /^SPDXRef-[A-Za-z0-9.-]+$/);
      assert.ok(p.name.length > 0 && p.downloadLocation.length > 0);
      assert.equal(typeof p.filesAnalyzed, 'boolean');
      for (const ref of p.externalRefs ?? []) {
        assert.equal(ref.referenceCategory, 'PACKAGE-MANAGER');
        assert.equal(ref.referenceType, 'purl');
        assert.match(ref.referenceLocator, /^pkg:[a-z]+\/\S+@\S+$/);
      }
    }
    const known = new Set([doc.SPDXID, ...ids]);
    for (const r of doc.relationships) {
      assert.ok(known.has(r.spdxElementId) && known.has(r.relatedSpdxElement), JSON.stringify(r));
    }
    const image = doc.packages.find((p) => p.primaryPackagePurpose === 'CONTAINER');
    assert.ok(image);
    assert.deepEqual(
      doc.relationships
        .filter((r) => r.relationshipType === 'DESCRIBES')
        .map((r) => r.relatedSpdxElement),
      [image.SPDXID],
    );
    const contained = doc.relationships
      .filter((r) => r.relationshipType === 'CONTAINS' && r.spdxElementId === image.SPDXID)
      .map((r) => r.relatedSpdxElement);
    assert.equal(contained.length, doc.packages.length - 1);
    assert.ok(doc.packages.some((p) => p.primaryPackagePurpose === 'OPERATING-SYSTEM'));
    const second = await run(['image', 'sbom', 'oci:layout:debian', '-o', 'spdx']);
    assert.notEqual(
      (JSON.parse(second.stdout) as { documentNamespace: string }).documentNamespace,
      doc.documentNamespace,
    );
  });

  it('scans an SBOM it wrote (CycloneDX and SPDX) to the same vulnerabilities as the image', async () => {
    // Everything of a finding but the layer's Dockerfile line, which an SBOM does not carry.
    const findings = (body: ScanJson) =>
      body.vulnerabilities.map((v) => JSON.stringify({ ...v, layer: v.layer.digest }));
    for (const [ref, name] of [
      [debianRef, 'debian'],
      [alpineRef, 'alpine'],
    ] as const) {
      const image = await scanJson([ref]);
      assert.ok(image.body.vulnerabilities.length > 0, `${name}: the image has vulnerabilities`);
      for (const format of ['cyclonedx', 'spdx']) {
        const file = `${name}.${format}.json`;
        const written = await run(['image', 'sbom', ref, '-o', format, '--output-file', file]);
        assert.equal(written.code, 0, written.stderr);
        const fromSbom = await scanJson(['--sbom', file]);
        assert.equal(fromSbom.run.code, 0, fromSbom.run.stderr);
        assert.equal(fromSbom.body.vulnerabilityDb.matched, true);
        assert.deepEqual(findings(fromSbom.body), findings(image.body), `${name} ${format}`);
        assert.equal(fromSbom.body.components.length, image.body.components.length);
      }
    }
    const both = await run(['image', 'scan', debianRef, '--sbom', 'debian.spdx.json']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /name an image or give --sbom FILE/);
    await writeFile(
      join(work, 'old.cdx.json'),
      JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.2' }),
    );
    const old = await run(['image', 'scan', '--sbom', 'old.cdx.json']);
    assert.equal(old.code, 2);
    assert.match(old.stderr, /CycloneDX 1\.2 is not supported/);
  });
});
