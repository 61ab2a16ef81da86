import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Policy, PolicyGroup, PolicySection } from '../model/index.ts';
import { parseManifestText } from '../k8s/index.ts';
import {
  checkObjects,
  compilePolicy,
  ignoreAnnotation,
  readPolicy,
  selectPolicySet,
} from './index.ts';
import type { CheckOptions, CheckResult } from './index.ts';
import { expandScanFixture } from '../../test/kit/image-scan-fixtures.ts';
import { imageScanLookup } from './index.ts';

const group = (
  fieldName: string,
  values: string[],
  more: Partial<PolicyGroup> = {},
): PolicyGroup => ({ fieldName, values: values.map((value) => ({ value })), ...more });

function policy(sections: readonly PolicySection[], extra: Partial<Policy> = {}): Policy {
  return readPolicy(
    {
      id: 'test-policy',
      name: 'Test Policy',
      severity: 'HIGH_SEVERITY',
      lifecycleStages: ['DEPLOY'],
      policyVersion: '1.1',
      policySections: sections,
      remediation: 'Fix it.',
      ...extra,
    },
    'test',
  );
}

const section = (...groups: PolicyGroup[]): PolicySection => ({ policyGroups: groups });

function check(p: Policy, yaml: string, options: CheckOptions = {}): CheckResult {
  const parsed = parseManifestText(yaml, 'workloads.yaml');
  assert.deepEqual(parsed.problems, []);
  return checkObjects(parsed.objects, [compilePolicy(p)], options);
}

/** "name" or "name/container" for every violation. */
function hits(result: CheckResult): string[] {
  return result.violations.map((v) =>
    v.container === undefined ? v.object.name : `${v.object.name}/${v.container}`,
  );
}

interface PodOptions {
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly spec?: string;
}

/** A Pod whose containers are given as YAML flow mappings. */
function pod(name: string, containers: string[], options: PodOptions = {}): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${options.namespace ?? 'default'}
  labels: ${JSON.stringify(options.labels ?? {})}
  annotations: ${JSON.stringify(options.annotations ?? {})}
spec:
  ${options.spec ?? 'hostNetwork: false'}
  containers:
${containers.map((c) => `  - ${c}`).join('\n')}
`;
}

const docs = (...parts: string[]) => parts.join('---\n');

describe('policy semantics', () => {
  it('ORs sections: an object violates when any section matches', () => {
    const p = policy([
      section(group('Host Network', ['true'])),
      section(group('Host PID', ['true'])),
    ]);
    const result = check(
      p,
      docs(
        pod('net', ['{name: a, image: x:1}'], { spec: 'hostNetwork: true' }),
        pod('pid', ['{name: a, image: x:1}'], { spec: 'hostPID: true' }),
        pod('none', ['{name: a, image: x:1}']),
      ),
    );
    assert.deepEqual(hits(result), ['net', 'pid']);
  });

  it('ANDs groups in a section: every group must hold', () => {
    const p = policy([section(group('Host Network', ['true']), group('Host PID', ['true']))]);
    const result = check(
      p,
      docs(
        pod('both', ['{name: a, image: x:1}'], { spec: 'hostNetwork: true\n  hostPID: true' }),
        pod('net', ['{name: a, image: x:1}'], { spec: 'hostNetwork: true' }),
      ),
    );
    assert.deepEqual(hits(result), ['both']);
  });

  it('ORs the values of a group by default', () => {
    const p = policy([section(group('Container Name', ['web', 'api']))]);
    const result = check(
      p,
      pod('p', ['{name: web, image: x:1}', '{name: api, image: x:1}', '{name: db, image: x:1}']),
    );
    assert.deepEqual(hits(result), ['p/web', 'p/api']);
  });

  it('ANDs the values of a group with booleanOperator AND', () => {
    const p = policy([
      section(group('Add Capabilities', ['NET_ADMIN', 'SYS_ADMIN'], { booleanOperator: 'AND' })),
    ]);
    const result = check(
      p,
      pod('p', [
        '{name: both, image: x:1, securityContext: {capabilities: {add: [NET_ADMIN, SYS_ADMIN]}}}',
        '{name: one, image: x:1, securityContext: {capabilities: {add: [NET_ADMIN]}}}',
      ]),
    );
    assert.deepEqual(hits(result), ['p/both']);
  });

  it('negates a group: matches the elements whose values do not match', () => {
    const p = policy([
      section(group('Image Registry', ['registry\\.corp\\.example'], { negate: true })),
    ]);
    const result = check(
      p,
      pod('p', [
        '{name: ours, image: registry.corp.example/app:1}',
        '{name: hub, image: nginx:1.25}',
      ]),
    );
    assert.deepEqual(hits(result), ['p/hub']);
  });

  it('words a violation by its matched groups; negated qualifiers speak only when alone', () => {
    const primary = policy([
      section(
        group('Privileged Container', ['true']),
        group('Namespace', ['kube-system'], { negate: true }),
      ),
    ]);
    const [withPrimary] = check(
      primary,
      pod('p', ['{name: app, image: x:1, securityContext: {privileged: true}}']),
    ).violations;
    assert.equal(
      withPrimary?.message,
      "container 'app' is privileged; set securityContext.privileged to false",
    );
    // Only negated groups: the one in its own words speaks, the generic one does not.
    const qualifiers = policy([
      section(
        group('Allow Privilege Escalation Setting', ['FALSE'], { negate: true }),
        group('Pod OS', ['windows'], { negate: true }),
      ),
    ]);
    const [alone] = check(qualifiers, pod('p', ['{name: app, image: x:1}'])).violations;
    assert.equal(
      alone?.message,
      "container 'app' does not set securityContext.allowPrivilegeEscalation to false",
    );
    // With no worded qualifier the generic ones are all there is to say.
    const generic = policy([section(group('Pod OS', ['windows'], { negate: true }))]);
    const [onlyGeneric] = check(generic, pod('p', ['{name: app, image: x:1}'])).violations;
    assert.match(onlyGeneric?.message ?? '', /Pod OS/);
  });
  it('matches regex values whole and case-insensitively', () => {
    const p = policy([section(group('Container Name', ['APP']))]);
    const result = check(
      p,
      pod('p', ['{name: app, image: x:1}', '{name: app-sidecar, image: x:1}']),
    );
    assert.deepEqual(hits(result), ['p/app']);
  });

  it('violates Required Label when no label matches, and passes when one does', () => {
    const p = policy([section(group('Required Label', ['owner=.+']))]);
    const result = check(
      p,
      docs(
        pod('labelled', ['{name: a, image: x:1}'], { labels: { owner: 'team-a' } }),
        pod('empty-owner', ['{name: a, image: x:1}'], { labels: { owner: '' } }),
        pod('unlabelled', ['{name: a, image: x:1}'], { labels: { app: 'x' } }),
      ),
    );
    assert.deepEqual(hits(result), ['empty-owner', 'unlabelled']);
    assert.match(result.violations[0]?.message ?? '', /label/);
  });

  it('violates Drop Capabilities per container that does not drop the capability', () => {
    const p = policy([section(group('Drop Capabilities', ['NET_RAW']))]);
    const result = check(
      p,
      pod('p', [
        '{name: drops, image: x:1, securityContext: {capabilities: {drop: [NET_RAW]}}}',
        '{name: cap-prefixed, image: x:1, securityContext: {capabilities: {drop: [CAP_NET_RAW]}}}',
        '{name: keeps, image: x:1, securityContext: {capabilities: {drop: [CHOWN]}}}',
        '{name: bare, image: x:1}',
      ]),
    );
    assert.deepEqual(hits(result), ['p/keeps', 'p/bare']);
  });

  it('counts dropping ALL as dropping every capability, as StackRox ForDropCaps does', () => {
    const p = policy([
      section(group('Drop Capabilities', ['NET_RAW', 'SYS_ADMIN'], { booleanOperator: 'AND' })),
    ]);
    const result = check(
      p,
      pod('p', [
        '{name: all, image: x:1, securityContext: {capabilities: {drop: [ALL]}}}',
        '{name: one, image: x:1, securityContext: {capabilities: {drop: [NET_RAW]}}}',
      ]),
    );
    assert.deepEqual(hits(result), ['p/one']);
  });

  it('links groups on the container level to the same container', () => {
    const p = policy([
      section(group('Privileged Container', ['true']), group('Image Tag', ['latest'])),
    ]);
    const split = check(
      p,
      pod('split', [
        '{name: a, image: x:1.0, securityContext: {privileged: true}}',
        '{name: b, image: "x:latest"}',
      ]),
    );
    assert.deepEqual(hits(split), []);
    const same = check(
      p,
      pod('same', [
        '{name: a, image: x:1.0, securityContext: {privileged: true}}',
        '{name: c, image: x, securityContext: {privileged: true}}',
      ]),
    );
    assert.deepEqual(hits(same), ['same/c']);
  });

  it('combines a workload-level group with container-level groups', () => {
    const p = policy([section(group('Host Network', ['true']), group('Container Name', ['b']))]);
    const result = check(
      p,
      docs(
        pod('host', ['{name: a, image: x:1}', '{name: b, image: x:1}'], {
          spec: 'hostNetwork: true',
        }),
        pod('nohost', ['{name: b, image: x:1}']),
      ),
    );
    assert.deepEqual(hits(result), ['host/b']);
  });

  it('checks init and ephemeral containers too', () => {
    const p = policy([section(group('Privileged Container', ['true']))]);
    const result = check(
      p,
      pod('p', ['{name: app, image: x:1}'], {
        spec: 'initContainers: [{name: init, image: x:1, securityContext: {privileged: true}}]',
      }),
    );
    assert.deepEqual(hits(result), ['p/init']);
  });
});

describe('scope and exclusions', () => {
  const privileged = section(group('Privileged Container', ['true']));
  const container = '{name: a, image: x:1, securityContext: {privileged: true}}';
  const set = docs(
    pod('prod-web', [container], { namespace: 'prod', labels: { team: 'web' } }),
    pod('prod-db', [container], { namespace: 'prod', labels: { team: 'db' } }),
    pod('dev-web', [container], { namespace: 'dev', labels: { team: 'web' } }),
  );

  it('evaluates only objects in a scope namespace (a regex)', () => {
    const result = check(policy([privileged], { scope: [{ namespace: 'pro.*' }] }), set);
    assert.deepEqual(hits(result), ['prod-web/a', 'prod-db/a']);
  });

  it('evaluates objects matching any of several scopes, label scopes included', () => {
    const result = check(
      policy([privileged], {
        scope: [{ namespace: 'dev' }, { namespace: 'prod', label: { key: 'team', value: 'db' } }],
      }),
      set,
    );
    assert.deepEqual(hits(result), ['prod-db/a', 'dev-web/a']);
  });

  it('applies a cluster scope only when the evaluation names a cluster', () => {
    const p = policy([privileged], { scope: [{ cluster: 'edge-.*', namespace: 'dev' }] });
    assert.deepEqual(hits(check(p, set)), ['dev-web/a']);
    assert.deepEqual(hits(check(p, set, { cluster: 'core-1' })), []);
    assert.deepEqual(hits(check(p, set, { cluster: 'edge-1' })), ['dev-web/a']);
  });

  it('skips objects excluded by deployment name, by scope, or by both', () => {
    const result = check(
      policy([privileged], {
        exclusions: [
          { name: 'by name', deployment: { name: 'prod-w.*' } },
          { name: 'by scope', deployment: { scope: { namespace: 'dev' } } },
        ],
      }),
      set,
    );
    assert.deepEqual(hits(result), ['prod-db/a']);
    const both = check(
      policy([privileged], {
        exclusions: [{ deployment: { name: 'prod-db', scope: { namespace: 'dev' } } }],
      }),
      set,
    );
    assert.deepEqual(hits(both), ['prod-web/a', 'prod-db/a', 'dev-web/a']);
  });

  it('ignores an exclusion once it has expired', () => {
    const exclusions = [
      { name: 'temporary', deployment: { name: 'prod-web' }, expiration: '2025-01-01T00:00:00Z' },
    ];
    const p = policy([privileged], { exclusions });
    const before = check(p, set, { now: Date.parse('2024-12-31T00:00:00Z') });
    assert.deepEqual(hits(before), ['prod-db/a', 'dev-web/a']);
    const after = check(p, set, { now: Date.parse('2025-01-02T00:00:00Z') });
    assert.deepEqual(hits(after), ['prod-web/a', 'prod-db/a', 'dev-web/a']);
  });

  it('skips a workload whose every image is covered by an image exclusion', () => {
    const p = policy([privileged], { exclusions: [{ image: { name: 'registry.corp/agent' } }] });
    const result = check(
      p,
      docs(
        pod('agent', [
          '{name: a, image: "registry.corp/agent:2", securityContext: {privileged: true}}',
        ]),
        pod('mixed', [
          '{name: a, image: "registry.corp/agent:2", securityContext: {privileged: true}}',
          '{name: b, image: nginx:1}',
        ]),
      ),
    );
    assert.deepEqual(hits(result), ['mixed/a']);
  });
});

describe('disabled policies', () => {
  it('are still evaluated when the caller passes them; selectPolicySet drops them from default', () => {
    const p = policy([section(group('Host PID', ['true']))], { disabled: true });
    const result = check(p, pod('pid', ['{name: a, image: x:1}'], { spec: 'hostPID: true' }));
    assert.deepEqual(hits(result), ['pid']);
    const enabled = policy([section(group('Host PID', ['true']))], { id: 'on', name: 'On' });
    assert.deepEqual(
      selectPolicySet([p, enabled], 'default').map((x) => x.id),
      ['on'],
    );
    assert.deepEqual(
      selectPolicySet([p, enabled], 'all').map((x) => x.id),
      ['test-policy', 'on'],
    );
  });
});

describe('image-derived criteria', () => {
  const workload = pod('p', ['{name: a, image: "nginx:latest"}', '{name: b, image: nginx:1.25}']);

  it('report a policy as undecided, neither passed nor violated, until an image scan exists', () => {
    const result = check(policy([section(group('CVSS', ['>= 7']))]), workload);
    assert.deepEqual(result.violations, []);
    assert.equal(result.undecided.length, 1);
    assert.equal(result.undecided[0]?.object.name, 'p');
    assert.match(result.undecided[0]?.reason ?? '', /image scan/);
  });

  it('are decided as passing when the other groups of the section already fail', () => {
    const result = check(
      policy([section(group('Image Tag', ['nightly']), group('Fixable', ['true']))]),
      workload,
    );
    assert.deepEqual(result.violations, []);
    assert.deepEqual(result.undecided, []);
  });

  it('are undecided when the other groups hold', () => {
    const result = check(
      policy([section(group('Image Tag', ['latest']), group('Fixable', ['true']))]),
      workload,
    );
    assert.deepEqual(result.violations, []);
    assert.equal(result.undecided.length, 1);
  });

  it('do not hide a violation from another section that decides without a scan', () => {
    const result = check(
      policy([section(group('CVE', ['CVE-2024-.*'])), section(group('Image Tag', ['latest']))]),
      workload,
    );
    assert.deepEqual(hits(result), ['p/a']);
    assert.deepEqual(result.undecided, []);
  });
});

describe('image-derived criteria with scans', () => {
  const workload = pod('p', ['{name: a, image: "nginx:latest"}', '{name: b, image: nginx:1.25}']);
  const openssl = { name: 'openssl', version: '3.0.11-1~deb12u2' };
  const scanA = expandScanFixture('nginx:latest', {
    components: [openssl, { name: 'zlib', version: '1.2.13' }],
    vulnerabilities: [
      {
        id: 'CVE-2024-0727',
        component: 'openssl',
        severity: 'IMPORTANT',
        fixedVersions: ['3.0.13'],
      },
      {
        id: 'CVE-2024-9999',
        component: 'zlib',
        severity: 'CRITICAL',
        cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N', baseScore: 9.8 },
      },
    ],
  });
  const onlyA = { imageScans: imageScanLookup([{ reference: 'nginx:latest', scan: scanA }]) };

  it('decide a container whose image has a scan, and leave the other undecided', () => {
    const result = check(policy([section(group('CVE', ['CVE-2024-0727']))]), workload, onlyA);
    assert.deepEqual(hits(result), ['p/a']);
    assert.match(result.violations[0]?.message ?? '', /CVE-2024-0727 \(IMPORTANT\) in openssl/);
  });

  it('report undecided when only the unscanned container could violate', () => {
    const result = check(policy([section(group('CVE', ['CVE-2031-.*']))]), workload, onlyA);
    assert.deepEqual(result.violations, []);
    assert.equal(result.undecided.length, 1);
  });

  it('pass when every container has a scan and none matches', () => {
    const both = imageScanLookup([
      { reference: 'nginx:latest', scan: scanA },
      { reference: 'nginx:1.25', scan: expandScanFixture('nginx:1.25', {}) },
    ]);
    const result = check(policy([section(group('CVE', ['CVE-2031-.*']))]), workload, {
      imageScans: both,
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(result.undecided, []);
  });

  it('link vulnerability groups of one section to the same vulnerability', () => {
    // CRITICAL is unfixed and the fixable one is IMPORTANT: no single vulnerability holds both.
    const linked = policy([section(group('Fixable', ['true']), group('Severity', ['CRITICAL']))]);
    assert.deepEqual(hits(check(linked, workload, onlyA)), []);
    const held = policy([section(group('Fixable', ['false']), group('CVSS', ['> 9']))]);
    assert.deepEqual(hits(check(held, workload, onlyA)), ['p/a']);
  });

  it('link Image Component to the vulnerabilities of that component', () => {
    const p = (component: string) =>
      policy([section(group('Image Component', [component]), group('Severity', ['CRITICAL']))]);
    assert.deepEqual(hits(check(p('zlib='), workload, onlyA)), ['p/a']);
    assert.deepEqual(hits(check(p('openssl='), workload, onlyA)), []);
  });

  it('decide Unscanned Image for every container once scans are given', () => {
    const result = check(policy([section(group('Unscanned Image', ['true']))]), workload, onlyA);
    assert.deepEqual(hits(result), ['p/b']);
    assert.deepEqual(result.undecided, []);
  });

  it('negate per vulnerability: a CVE other than the allowed one violates', () => {
    const result = check(
      policy([section(group('CVE', ['CVE-2024-0727'], { negate: true }))]),
      workload,
      onlyA,
    );
    assert.deepEqual(hits(result), ['p/a']);
    assert.match(result.violations[0]?.message ?? '', /CVE-2024-9999/);
  });

  it('keep fields Palisade has no data for undecided even with a scan', () => {
    const result = check(policy([section(group('NVD CVSS', ['> 1']))]), workload, onlyA);
    assert.deepEqual(result.violations, []);
    assert.equal(result.undecided.length, 1);
  });

  it('find the scan by digest before the reference', () => {
    const pinned = pod('q', [`{name: a, image: "example.com/x@sha256:${'a'.repeat(64)}"}`]);
    const scan = { ...scanA, digest: `sha256:${'a'.repeat(64)}`, image: 'example.com/x:1' };
    const result = check(policy([section(group('CVE', ['CVE-2024-0727']))]), pinned, {
      imageScans: imageScanLookup([{ scan }]),
    });
    assert.deepEqual(hits(result), ['q/a']);
  });
});

describe('suppression by annotation', () => {
  const p = policy([section(group('Host PID', ['true']))]);
  const annotated = (value: string) =>
    pod('pid', ['{name: a, image: x:1}'], {
      spec: 'hostPID: true',
      annotations: { [ignoreAnnotation]: value },
    });

  it('moves a violation to the suppressed list when the annotation names the policy id', () => {
    const result = check(p, annotated('other-policy, test-policy'));
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.suppressed.map((s) => [s.policy.id, s.object.name, s.file, s.line]),
      [['test-policy', 'pid', 'workloads.yaml', 1]],
    );
  });

  it('accepts the policy name, case-insensitively, and * for every policy', () => {
    assert.equal(check(p, annotated('test policy')).suppressed.length, 1);
    assert.equal(check(p, annotated('*')).suppressed.length, 1);
  });

  it('does not suppress policies the annotation does not name', () => {
    const result = check(p, annotated('another-policy'));
    assert.deepEqual(hits(result), ['pid']);
    assert.deepEqual(result.suppressed, []);
  });

  it('lists nothing as suppressed when the object does not violate', () => {
    const result = check(
      p,
      pod('clean', ['{name: a, image: x:1}'], {
        annotations: { [ignoreAnnotation]: 'test-policy' },
      }),
    );
    assert.deepEqual(result.suppressed, []);
  });
});

describe('violations', () => {
  it('carry the policy, object, file, line, container, message and remediation', () => {
    const p = policy([section(group('Privileged Container', ['true']))], {
      id: 'no-privileged',
      name: 'No Privileged',
      severity: 'CRITICAL_SEVERITY',
    });
    const yaml = docs(
      pod('first', ['{name: a, image: x:1}']),
      pod(
        'second',
        ['{name: ok, image: x:1}', '{name: priv, image: x:1, securityContext: {privileged: true}}'],
        {
          namespace: 'team',
        },
      ),
    );
    const result = check(p, yaml);
    assert.deepEqual(result.violations, [
      {
        policy: { id: 'no-privileged', name: 'No Privileged', severity: 'CRITICAL_SEVERITY' },
        object: { apiVersion: 'v1', kind: 'Pod', namespace: 'team', name: 'second' },
        container: 'priv',
        message: "container 'priv' is privileged; set securityContext.privileged to false",
        file: 'workloads.yaml',
        line: 13,
        remediation: 'Fix it.',
      },
    ]);
  });

  it('name no container when only workload-level criteria decided the violation', () => {
    const result = check(
      policy([section(group('Host IPC', ['true']))]),
      pod('ipc', ['{name: a, image: x:1}'], { spec: 'hostIPC: true' }),
    );
    assert.equal(result.violations.length, 1);
    assert.equal(result.violations[0]?.container, undefined);
    assert.match(result.violations[0]?.message ?? '', /IPC/);
  });

  it('are not produced for objects of another subject kind', () => {
    const result = check(
      policy([section(group('Namespace', ['default']))], { subjectKind: 'Service' }),
      pod('p', ['{name: a, image: x:1}']),
    );
    assert.deepEqual(result.violations, []);
  });

  it('are not produced by a policy whose stages the evaluation does not include', () => {
    const p = policy([section(group('Host PID', ['true']))]);
    const result = check(p, pod('pid', ['{name: a, image: x:1}'], { spec: 'hostPID: true' }), {
      stages: ['BUILD'],
    });
    assert.deepEqual(result.violations, []);
  });
});
