import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cvss2BaseScore, cvss3BaseScore, scoreCvssVector } from './cvss.ts';
import { deriveSeverity, severityFromScore, severityFromString } from './severity.ts';

describe('CVSS base scores', () => {
  // Scores as NVD's calculator shows them for these vectors.
  const v3: readonly [string, number][] = [
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
    ['CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H', 7.0],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 7.5],
    ['CVSS:3.1/AV:L/AC:H/PR:L/UI:R/S:U/C:H/I:N/A:N', 4.4],
    ['CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H', 9.9],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10.0],
    ['CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N', 0],
    ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N/E:P/RL:O', 3.7],
  ];
  for (const [vector, score] of v3) {
    it(`scores ${vector} as ${score}`, () => assert.equal(cvss3BaseScore(vector), score));
  }

  it('rejects a v3 vector with a missing base metric', () => {
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H'), undefined);
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'), undefined);
  });

  it('scores v2 vectors', () => {
    assert.equal(cvss2BaseScore('AV:N/AC:L/Au:N/C:P/I:P/A:P'), 7.5);
    assert.equal(cvss2BaseScore('AV:N/AC:M/Au:N/C:N/I:P/A:N'), 4.3);
  });

  // Published scores: pablotron/polycvss src/v4/tests.rs ("test 9.3") and
  // RedHatProductSecurity/cvss tests/vectors_threat4; cvss-v4.test.ts has the full set.
  it('scores v4 vectors, and keeps an invalid v4 vector without a score', () => {
    const v4 = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
    assert.deepEqual(scoreCvssVector(v4), { version: '4.0', vector: v4, baseScore: 9.3 });
    const threat = 'CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U';
    assert.deepEqual(scoreCvssVector(` ${threat} `), {
      version: '4.0',
      vector: threat,
      baseScore: 4.1,
    });
    const missingSa = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N';
    assert.deepEqual(scoreCvssVector(missingSa), { version: '4.0', vector: missingSa });
  });
});

describe('severity', () => {
  it('maps vendor ratings onto LOW, MODERATE, IMPORTANT, CRITICAL', () => {
    assert.equal(severityFromString('HIGH'), 'IMPORTANT');
    assert.equal(severityFromString('medium'), 'MODERATE');
    assert.equal(severityFromString('unimportant'), 'LOW');
    assert.equal(severityFromString('not yet assigned'), undefined);
    assert.equal(severityFromScore(9.8), 'CRITICAL');
    assert.equal(severityFromScore(4.0), 'MODERATE');
  });

  it('prefers a vendor rating to the CVSS band, and falls back to the band', () => {
    const severity = [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }];
    assert.equal(
      deriveSeverity({ severity, strings: ['low'], summary: undefined }).severity,
      'LOW',
    );
    const banded = deriveSeverity({ severity, strings: [undefined], summary: undefined });
    assert.equal(banded.severity, 'CRITICAL');
    assert.equal(banded.cvss?.baseScore, 9.8);
    assert.equal(
      deriveSeverity({ severity: [], strings: [], summary: 'Important: kernel security update' })
        .severity,
      'IMPORTANT',
    );
  });

  it('bands the computed score of a record that has only a CVSS v4 vector', () => {
    const vector = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
    const critical = deriveSeverity({
      severity: [{ type: 'CVSS_V4', score: vector }],
      strings: [],
      summary: undefined,
    });
    assert.equal(critical.severity, 'CRITICAL');
    assert.equal(critical.cvss?.baseScore, 9.3);
    const unreported = deriveSeverity({
      severity: [
        {
          type: 'CVSS_V4',
          score: 'CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U',
        },
      ],
      strings: [],
      summary: undefined,
    });
    assert.equal(unreported.severity, 'MODERATE');
    assert.equal(unreported.cvss?.baseScore, 4.1);
  });
});
