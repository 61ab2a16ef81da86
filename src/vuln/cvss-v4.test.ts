import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cvss4Score, parseCvss4Vector } from './cvss-v4.ts';

const v4 = (metrics: string): string => `CVSS:4.0/${metrics}`;

// Base vectors (CVSS-B) and their scores as published in RedHatProductSecurity/cvss,
// tests/vectors_simple4 (checked there against FIRST's calculator).
const baseVectors: readonly [string, number][] = [
  ['AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:L/SC:N/SI:H/SA:L', 9.2],
  ['AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:H/SI:N/SA:L', 7.8],
  ['AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:L/SA:N', 6.9],
  ['AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:H', 7.9],
  ['AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:N/VA:L/SC:N/SI:H/SA:N', 8.3],
  ['AV:N/AC:L/AT:N/PR:N/UI:A/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 8.6],
  ['AV:N/AC:L/AT:N/PR:L/UI:A/VC:H/VI:H/VA:H/SC:H/SI:N/SA:H', 9.3],
  ['AV:N/AC:L/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H', 6.2],
  ['AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:N/SA:H', 9.5],
  ['AV:N/AC:L/AT:P/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:N/SA:N', 2.1],
  ['AV:N/AC:L/AT:P/PR:L/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N', 2.3],
  ['AV:N/AC:L/AT:P/PR:L/UI:N/VC:L/VI:L/VA:N/SC:L/SI:H/SA:H', 5.6],
  ['AV:N/AC:L/AT:P/PR:H/UI:A/VC:N/VI:L/VA:L/SC:L/SI:N/SA:N', 1.8],
  ['AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:L/SI:H/SA:L', 9.4],
  ['AV:N/AC:H/AT:N/PR:L/UI:P/VC:H/VI:H/VA:H/SC:H/SI:L/SA:H', 8.8],
  ['AV:N/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:H/SA:N', 4.0],
  ['AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:L/SA:N', 9.5],
  ['AV:A/AC:H/AT:P/PR:N/UI:A/VC:N/VI:L/VA:H/SC:N/SI:H/SA:N', 6.9],
  ['AV:A/AC:H/AT:P/PR:L/UI:A/VC:L/VI:L/VA:N/SC:L/SI:N/SA:L', 1.0],
  ['AV:A/AC:H/AT:P/PR:H/UI:N/VC:H/VI:H/VA:N/SC:N/SI:L/SA:L', 7.2],
  ['AV:A/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:N', 7.0],
  ['AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:L/SI:L/SA:H', 8.3],
  ['AV:L/AC:L/AT:N/PR:N/UI:A/VC:H/VI:H/VA:L/SC:H/SI:N/SA:N', 9.2],
  ['AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:H/SA:L', 9.2],
  ['AV:L/AC:L/AT:N/PR:L/UI:A/VC:L/VI:L/VA:N/SC:L/SI:N/SA:L', 2.4],
  ['AV:L/AC:L/AT:N/PR:H/UI:P/VC:H/VI:L/VA:N/SC:H/SI:N/SA:L', 6.8],
  ['AV:L/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:L', 7.4],
  ['AV:L/AC:L/AT:P/PR:L/UI:A/VC:L/VI:N/VA:N/SC:N/SI:L/SA:L', 1.0],
  ['AV:L/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:H/SI:N/SA:L', 8.6],
  ['AV:L/AC:H/AT:N/PR:L/UI:N/VC:H/VI:H/VA:L/SC:N/SI:H/SA:L', 8.5],
  ['AV:L/AC:H/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:H/SI:L/SA:N', 8.5],
  ['AV:L/AC:H/AT:N/PR:H/UI:P/VC:L/VI:N/VA:N/SC:H/SI:H/SA:L', 2.3],
  ['AV:P/AC:L/AT:P/PR:H/UI:A/VC:H/VI:H/VA:L/SC:H/SI:N/SA:H', 7.0],
  ['AV:P/AC:L/AT:P/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:H/SA:H', 2.1],
  ['AV:P/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:H/SI:H/SA:N', 6.9],
  ['AV:P/AC:H/AT:N/PR:N/UI:A/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L', 5.4],
  ['AV:P/AC:H/AT:N/PR:H/UI:P/VC:L/VI:N/VA:N/SC:H/SI:H/SA:H', 2.4],
  ['AV:P/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N', 0.0],
  ['AV:P/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:N/SC:H/SI:H/SA:H', 7.2],
  ['AV:P/AC:H/AT:P/PR:L/UI:N/VC:H/VI:H/VA:L/SC:H/SI:H/SA:L', 7.1],
  ['AV:P/AC:H/AT:P/PR:H/UI:N/VC:L/VI:N/VA:N/SC:H/SI:N/SA:N', 1.8],
  ['AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:L/SI:H/SA:H', 2.3],
];

// Threat (E) and security requirement (CR/IR/AR) vectors from RedHatProductSecurity/cvss,
// tests/vectors_threat4 and tests/vectors_security4; supplemental metrics (which never change
// the score) from tests/vectors_supplemental4; and the single-metric cases of tests/test_cvss4.py
// (test_json_schema_high_va, _high_va_low_ar, _high_msi).
const worstBase = 'AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H';
const redHatVectors: readonly [string, number][] = [
  [`${worstBase}/E:A`, 7.3],
  [`${worstBase}/E:P`, 5.9],
  [`${worstBase}/E:U`, 4.1],
  ['AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A', 0.0],
  [`${worstBase}/CR:H/IR:H/AR:H`, 7.3],
  [`${worstBase}/CR:H/IR:M/AR:L`, 7.1],
  [`${worstBase}/CR:M/IR:H/AR:L`, 7.1],
  [`${worstBase}/CR:L/IR:H/AR:H`, 7.2],
  [`${worstBase}/CR:M/IR:M/AR:M`, 5.5],
  [`${worstBase}/CR:L/IR:L/AR:L`, 5.4],
  [`${worstBase}/S:N/AU:N/R:A/V:D/RE:L/U:Clear`, 7.3],
  [`${worstBase}/S:N/AU:Y/R:A/V:D/RE:M/U:Red`, 7.3],
  ['AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N', 8.7],
  ['AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N/AR:L', 7.9],
  ['AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/MSI:H', 7.7],
];

// Vectors with threat, security requirement and modified base metrics (CVSS-BTE), including
// Safety (MSI:S, MSA:S) and explicit Not Defined (X) values, with the scores listed in
// pablotron/polycvss, src/v4/tests.rs (mod scores, test_from_vector).
const environmentalVectors: readonly [string, string, string, number][] = [
  ['AV:P/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:L/SI:H/SA:H', '', 'MSC:H/MSI:S/MSA:S', 6.4],
  [
    'AV:P/AC:H/AT:N/PR:L/UI:A/VC:L/VI:N/VA:L/SC:H/SI:L/SA:H',
    'E:X/CR:X/IR:M/AR:L',
    'MAV:N/MAC:X/MAT:X/MPR:H/MUI:X/MVC:L/MVI:L/MVA:N/MSC:H/MSI:N/MSA:H',
    4.5,
  ],
  [
    'AV:L/AC:H/AT:P/PR:H/UI:N/VC:L/VI:L/VA:L/SC:L/SI:H/SA:L',
    'E:P/CR:H/IR:L/AR:L',
    'MAV:P/MAC:L/MAT:X/MPR:L/MUI:P/MVC:H/MVI:L/MVA:H/MSC:H/MSI:N/MSA:X',
    3.7,
  ],
  [
    'AV:L/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:L/SC:H/SI:N/SA:N',
    'E:A/CR:M/IR:M/AR:H',
    'MAV:N/MAC:X/MAT:P/MPR:X/MUI:A/MVC:X/MVI:H/MVA:X/MSC:H/MSI:X/MSA:H',
    5.7,
  ],
  [
    'AV:N/AC:H/AT:P/PR:H/UI:P/VC:N/VI:L/VA:L/SC:N/SI:N/SA:N',
    'E:U/CR:M/IR:X/AR:X',
    'MAV:L/MAC:H/MAT:N/MPR:X/MUI:X/MVC:L/MVI:H/MVA:L/MSC:L/MSI:H/MSA:L',
    1.6,
  ],
  [
    'AV:A/AC:L/AT:P/PR:L/UI:N/VC:N/VI:N/VA:L/SC:L/SI:H/SA:N',
    'E:U/CR:M/IR:X/AR:L',
    'MAV:N/MAC:L/MAT:N/MPR:X/MUI:P/MVC:L/MVI:X/MVA:N/MSC:X/MSI:L/MSA:L',
    1.2,
  ],
  [
    'AV:A/AC:L/AT:P/PR:L/UI:P/VC:H/VI:H/VA:N/SC:L/SI:H/SA:L',
    'E:P/CR:M/IR:L/AR:M',
    'MAV:P/MAC:X/MAT:X/MPR:L/MUI:N/MVC:L/MVI:H/MVA:H/MSC:L/MSI:S/MSA:S',
    4.2,
  ],
  [
    'AV:A/AC:L/AT:P/PR:N/UI:N/VC:H/VI:N/VA:L/SC:L/SI:L/SA:H',
    'E:U/CR:L/IR:M/AR:H',
    'MAV:N/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:N/MSC:N/MSI:S/MSA:S',
    6.8,
  ],
  [
    'AV:A/AC:L/AT:P/PR:N/UI:N/VC:N/VI:N/VA:H/SC:H/SI:L/SA:H',
    'E:U/CR:L/IR:H/AR:X',
    'MAV:P/MAC:H/MAT:P/MPR:X/MUI:X/MVC:N/MVI:X/MVA:L/MSC:N/MSI:S/MSA:S',
    1.1,
  ],
  [
    'AV:A/AC:L/AT:P/PR:L/UI:P/VC:N/VI:L/VA:L/SC:H/SI:L/SA:H',
    'E:X/CR:H/IR:M/AR:L',
    'MAV:N/MAC:H/MAT:X/MPR:L/MUI:P/MVC:X/MVI:H/MVA:H/MSC:X/MSI:N/MSA:S',
    7.4,
  ],
  [
    'AV:A/AC:L/AT:P/PR:N/UI:A/VC:H/VI:H/VA:L/SC:L/SI:N/SA:H',
    'E:A/CR:X/IR:X/AR:X',
    'MAV:N/MAC:H/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:L/MSA:N',
    7.5,
  ],
  [
    'AV:A/AC:H/AT:P/PR:N/UI:A/VC:H/VI:L/VA:L/SC:H/SI:L/SA:N',
    'E:A/CR:M/IR:M/AR:M',
    'MAV:N/MAC:L/MAT:P/MPR:N/MUI:N/MVC:H/MVI:X/MVA:N/MSC:X/MSI:S/MSA:L',
    9.1,
  ],
  [
    'AV:A/AC:L/AT:N/PR:L/UI:A/VC:N/VI:L/VA:L/SC:H/SI:N/SA:H',
    'E:X/CR:M/IR:H/AR:X',
    'MAV:N/MAC:L/MAT:N/MPR:H/MUI:N/MVC:H/MVI:H/MVA:N/MSC:L/MSI:L/MSA:S',
    9.7,
  ],
  [
    'AV:A/AC:L/AT:N/PR:L/UI:A/VC:N/VI:L/VA:L/SC:N/SI:H/SA:N',
    'E:A/CR:H/IR:X/AR:X',
    'MAV:L/MAC:L/MAT:N/MPR:L/MUI:N/MVC:H/MVI:N/MVA:L/MSC:H/MSI:H/MSA:S',
    9.3,
  ],
  [
    'AV:A/AC:L/AT:N/PR:H/UI:P/VC:N/VI:L/VA:H/SC:H/SI:N/SA:L',
    'E:A/CR:H/IR:H/AR:H',
    'MAV:N/MAC:L/MAT:P/MPR:N/MUI:N/MVC:X/MVI:N/MVA:X/MSC:N/MSI:N/MSA:L',
    8.2,
  ],
  [
    'AV:A/AC:L/AT:N/PR:H/UI:A/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
    'E:P/CR:L/IR:M/AR:M',
    'MAV:X/MAC:L/MAT:N/MPR:X/MUI:N/MVC:X/MVI:X/MVA:H/MSC:X/MSI:L/MSA:S',
    8.3,
  ],
  [
    'AV:A/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:L/SC:L/SI:L/SA:N',
    'E:U/CR:H/IR:M/AR:L',
    'MAV:P/MAC:H/MAT:P/MPR:X/MUI:A/MVC:N/MVI:N/MVA:L/MSC:N/MSI:H/MSA:H',
    0.3,
  ],
  [
    'AV:A/AC:L/AT:N/PR:H/UI:A/VC:H/VI:N/VA:H/SC:N/SI:L/SA:H',
    'E:U/CR:X/IR:M/AR:M',
    'MAV:L/MAC:L/MAT:X/MPR:L/MUI:P/MVC:L/MVI:N/MVA:L/MSC:X/MSI:L/MSA:N',
    0.4,
  ],
  [
    'AV:A/AC:H/AT:P/PR:L/UI:N/VC:N/VI:H/VA:L/SC:L/SI:N/SA:L',
    'E:X/CR:M/IR:H/AR:L',
    'MAV:L/MAC:L/MAT:N/MPR:X/MUI:A/MVC:H/MVI:X/MVA:X/MSC:X/MSI:X/MSA:L',
    6.7,
  ],
  [
    'AV:A/AC:H/AT:P/PR:L/UI:P/VC:N/VI:L/VA:H/SC:N/SI:H/SA:N',
    'E:U/CR:H/IR:L/AR:H',
    'MAV:P/MAC:L/MAT:N/MPR:H/MUI:X/MVC:H/MVI:L/MVA:X/MSC:N/MSI:H/MSA:S',
    5.8,
  ],
  [
    'AV:A/AC:H/AT:P/PR:N/UI:P/VC:L/VI:N/VA:L/SC:L/SI:L/SA:H',
    'E:P/CR:X/IR:M/AR:M',
    'MAV:P/MAC:L/MAT:P/MPR:L/MUI:N/MVC:H/MVI:H/MVA:N/MSC:N/MSI:S/MSA:H',
    6.8,
  ],
  [
    'AV:L/AC:H/AT:N/PR:L/UI:A/VC:H/VI:N/VA:H/SC:H/SI:L/SA:N',
    'E:A/CR:M/IR:X/AR:X',
    'MAV:N/MAC:L/MAT:P/MPR:L/MUI:N/MVC:N/MVI:H/MVA:L/MSC:L/MSI:H/MSA:S',
    8.7,
  ],
  [
    'AV:L/AC:H/AT:N/PR:H/UI:P/VC:H/VI:N/VA:L/SC:H/SI:N/SA:N',
    'E:A/CR:L/IR:X/AR:H',
    'MAV:L/MAC:L/MAT:N/MPR:H/MUI:A/MVC:L/MVI:X/MVA:N/MSC:N/MSI:H/MSA:S',
    6.1,
  ],
  [
    'AV:L/AC:H/AT:N/PR:H/UI:N/VC:N/VI:N/VA:H/SC:N/SI:L/SA:L',
    'E:U/CR:X/IR:H/AR:M',
    'MAV:L/MAC:L/MAT:N/MPR:N/MUI:N/MVC:L/MVI:X/MVA:N/MSC:L/MSI:N/MSA:S',
    4.5,
  ],
  [
    'AV:L/AC:H/AT:N/PR:H/UI:A/VC:L/VI:L/VA:H/SC:N/SI:N/SA:H',
    'E:X/CR:X/IR:X/AR:X',
    'MAV:P/MAC:L/MAT:X/MPR:N/MUI:X/MVC:H/MVI:N/MVA:X/MSC:N/MSI:X/MSA:L',
    5.2,
  ],
  [
    'AV:A/AC:L/AT:N/PR:H/UI:A/VC:H/VI:N/VA:L/SC:N/SI:H/SA:H',
    'E:A/CR:X/IR:L/AR:X',
    'MAV:P/MAC:H/MAT:N/MPR:H/MUI:A/MVC:N/MVI:X/MVA:N/MSC:X/MSI:S/MSA:S',
    4.8,
  ],
  [
    'AV:L/AC:H/AT:N/PR:L/UI:N/VC:H/VI:H/VA:L/SC:H/SI:N/SA:H',
    'E:U/CR:X/IR:M/AR:M',
    'MAV:P/MAC:X/MAT:N/MPR:H/MUI:N/MVC:H/MVI:X/MVA:X/MSC:L/MSI:S/MSA:H',
    5.5,
  ],
  [
    'AV:A/AC:H/AT:P/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:L',
    'E:A/CR:M/IR:L/AR:M',
    'MAV:N/MAC:H/MAT:P/MPR:H/MUI:X/MVC:X/MVI:H/MVA:H/MSC:L/MSI:L/MSA:H',
    7.4,
  ],
  [
    'AV:A/AC:H/AT:P/PR:N/UI:N/VC:H/VI:N/VA:L/SC:H/SI:N/SA:N',
    'E:X/CR:H/IR:L/AR:X',
    'MAV:N/MAC:X/MAT:X/MPR:N/MUI:N/MVC:N/MVI:N/MVA:L/MSC:X/MSI:H/MSA:X',
    7.0,
  ],
  [
    'AV:L/AC:H/AT:N/PR:H/UI:N/VC:L/VI:N/VA:L/SC:N/SI:H/SA:H',
    'E:A/CR:H/IR:H/AR:H',
    'MAV:P/MAC:H/MAT:X/MPR:N/MUI:X/MVC:H/MVI:H/MVA:H/MSC:N/MSI:L/MSA:L',
    5.4,
  ],
];

/** Base, threat and requirement, and modified metrics joined into one vector's metrics. */
const joined = (...groups: string[]): string => groups.filter((g) => g !== '').join('/');

describe('CVSS v4.0 scores', () => {
  const published = [
    ...baseVectors,
    ...redHatVectors,
    ...environmentalVectors.map(([base, threat, modified, score]): [string, number] => [
      joined(base, threat, modified),
      score,
    ]),
  ];
  for (const [metrics, score] of published) {
    it(`scores ${v4(metrics)} as ${score.toFixed(1)}`, () => {
      assert.equal(cvss4Score(v4(metrics)), score);
    });
  }

  it('scores a vector the same whatever the order of its metrics', () => {
    const [base, threat, modified, score] = environmentalVectors[1] ?? ['', '', '', 0];
    const reversed = joined(base, threat, modified).split('/').reverse().join('/');
    assert.equal(cvss4Score(v4(reversed)), score);
  });

  it('treats X like an absent threat or environmental metric', () => {
    const base = 'AV:N/AC:L/AT:P/PR:L/UI:N/VC:L/VI:L/VA:N/SC:L/SI:H/SA:H';
    const notDefined = 'E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X';
    assert.equal(cvss4Score(v4(`${base}/${notDefined}/MSC:X/MSI:X/MSA:X`)), 5.6);
  });

  it('scores every one of the 104,976 base vectors within 0.0 to 10.0, to one decimal', () => {
    const choices = [
      ['AV', 'NALP'],
      ['AC', 'LH'],
      ['AT', 'NP'],
      ['PR', 'NLH'],
      ['UI', 'NPA'],
      ['VC', 'HLN'],
      ['VI', 'HLN'],
      ['VA', 'HLN'],
      ['SC', 'HLN'],
      ['SI', 'HLN'],
      ['SA', 'HLN'],
    ] as const;
    let vectors = [''];
    for (const [metric, values] of choices) {
      vectors = vectors.flatMap((prefix) =>
        [...values].map((value) => `${prefix}${prefix === '' ? '' : '/'}${metric}:${value}`),
      );
    }
    assert.equal(vectors.length, 104_976);
    const unscored = vectors.filter((metrics) => {
      const score = cvss4Score(v4(metrics));
      return (
        score === undefined || score < 0 || score > 10 || Math.round(score * 10) !== score * 10
      );
    });
    assert.deepEqual(unscored, []);
  });
});

describe('CVSS v4.0 vector validation', () => {
  const base = 'AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
  const invalid: readonly [string, string][] = [
    ['a missing base metric', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N'],
    ['an unknown metric', `CVSS:4.0/${base}/JJ:H`],
    ['a repeated metric', `CVSS:4.0/${base}/SA:H`],
    ['a repeated threat metric', `CVSS:4.0/${base}/E:A/E:P`],
    [
      'a value the metric does not take',
      'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:J',
    ],
    ['Safety on a base metric', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N'],
    [
      'Not Defined on a base metric',
      'CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
    ],
    ['a lower-case value', `CVSS:4.0/${base}/U:red`],
    ['an empty part', `CVSS:4.0/${base}//E:A`],
    ['a trailing slash', `CVSS:4.0/${base}/`],
    ['a part with two colons', `CVSS:4.0/${base}/E:A:P`],
    ['a part without a value', `CVSS:4.0/${base}/E`],
    ['another version prefix', `CVSS:3.1/${base}`],
    ['no prefix', base],
    ['only the prefix', 'CVSS:4.0/'],
  ];
  for (const [what, vector] of invalid) {
    it(`gives no score for a vector with ${what}`, () => {
      assert.equal(parseCvss4Vector(vector), undefined);
      assert.equal(cvss4Score(vector), undefined);
    });
  }

  it('accepts Safety on the modified subsequent integrity and availability metrics', () => {
    assert.equal(parseCvss4Vector(`CVSS:4.0/${base}/MSI:S/MSA:S`)?.get('MSI'), 'S');
  });
});
