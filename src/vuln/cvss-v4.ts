// CVSS v4.0 scores computed from vectors with the method of the FIRST specification
// (first.org/cvss/v4.0/specification-document §8 "CVSS v4.0 Scoring"): the vector's macro vector
// gives a looked-up score, lowered by how far the vector lies from that macro vector's most severe
// vectors. Threat (E) and environmental metrics in the vector are honoured, so the result is
// CVSS-B, -BT, -BE or -BTE as the vector allows. Supplemental metrics are checked but never score.

import {
  highestVectors,
  macroVectorDepths,
  macroVectorScores,
  severityLevels,
  type HighestVectorPart,
  type LeveledMetric,
} from './cvss-v4-table.ts';

const impact = ['H', 'L', 'N'];
const requirement = ['X', 'H', 'M', 'L'];
const modifiedImpact = ['X', 'H', 'L', 'N'];
const modifiedSubsequentImpact = ['X', 'S', 'H', 'L', 'N'];

// Every metric of a v4.0 vector and the values it may take (spec §7 "Vector String").
const allowedValues: ReadonlyMap<string, readonly string[]> = new Map([
  ['AV', ['N', 'A', 'L', 'P']],
  ['AC', ['L', 'H']],
  ['AT', ['N', 'P']],
  ['PR', ['N', 'L', 'H']],
  ['UI', ['N', 'P', 'A']],
  ['VC', impact],
  ['VI', impact],
  ['VA', impact],
  ['SC', impact],
  ['SI', impact],
  ['SA', impact],
  ['E', ['X', 'A', 'P', 'U']],
  ['CR', requirement],
  ['IR', requirement],
  ['AR', requirement],
  ['MAV', ['X', 'N', 'A', 'L', 'P']],
  ['MAC', ['X', 'L', 'H']],
  ['MAT', ['X', 'N', 'P']],
  ['MPR', ['X', 'N', 'L', 'H']],
  ['MUI', ['X', 'N', 'P', 'A']],
  ['MVC', modifiedImpact],
  ['MVI', modifiedImpact],
  ['MVA', modifiedImpact],
  ['MSC', modifiedImpact],
  ['MSI', modifiedSubsequentImpact],
  ['MSA', modifiedSubsequentImpact],
  ['S', ['X', 'N', 'P']],
  ['AU', ['X', 'N', 'Y']],
  ['R', ['X', 'A', 'U', 'I']],
  ['V', ['X', 'D', 'C']],
  ['RE', ['X', 'L', 'M', 'H']],
  ['U', ['X', 'Clear', 'Green', 'Amber', 'Red']],
]);

const baseMetrics = ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'] as const;

/**
 * The vector's metrics by name, or undefined when it is not a valid v4.0 vector: wrong prefix, an
 * empty or malformed part, an unknown or repeated metric, a value the metric does not take, or a
 * base metric missing. The spec also fixes the order of metrics; like the reference calculators we
 * accept any order.
 */
export function parseCvss4Vector(vector: string): ReadonlyMap<string, string> | undefined {
  const prefix = 'CVSS:4.0/';
  if (!vector.startsWith(prefix)) return undefined;
  const metrics = new Map<string, string>();
  for (const part of vector.slice(prefix.length).split('/')) {
    const [name, value, extra] = part.split(':');
    if (name === undefined || value === undefined || extra !== undefined) return undefined;
    if (metrics.has(name) || !allowedValues.get(name)?.includes(value)) return undefined;
    metrics.set(name, value);
  }
  return baseMetrics.every((name) => metrics.has(name)) ? metrics : undefined;
}

/** The values the score is computed from, after modified metrics and defaults are applied. */
type EffectiveValues = Readonly<Record<LeveledMetric, string>> & { readonly E: string };

/**
 * A modified base metric other than X replaces its base metric. Threat and environmental metrics
 * not given (or X) take the most severe value (spec: "default values that assume the highest
 * severity"; the calculator's m()): E counts as Attacked, CR, IR and AR as High.
 */
function effectiveValues(metrics: ReadonlyMap<string, string>): EffectiveValues {
  const given = (name: string): string | undefined => {
    const value = metrics.get(name);
    return value === 'X' ? undefined : value;
  };
  // Base metrics are mandatory, so the fallback to '' is never taken for a parsed vector.
  const modifiable = (name: string): string => given(`M${name}`) ?? given(name) ?? '';
  return {
    AV: modifiable('AV'),
    AC: modifiable('AC'),
    AT: modifiable('AT'),
    PR: modifiable('PR'),
    UI: modifiable('UI'),
    VC: modifiable('VC'),
    VI: modifiable('VI'),
    VA: modifiable('VA'),
    SC: modifiable('SC'),
    SI: modifiable('SI'),
    SA: modifiable('SA'),
    CR: given('CR') ?? 'H',
    IR: given('IR') ?? 'H',
    AR: given('AR') ?? 'H',
    E: given('E') ?? 'A',
  };
}

type MacroVector = readonly [number, number, number, number, number, number];

/** The level (0 most severe) of each equivalence set EQ1..EQ6 (spec §8, Tables 24–29). */
function macroVectorOf(v: EffectiveValues): MacroVector {
  const networkNoneNone = [v.AV === 'N', v.PR === 'N', v.UI === 'N'];
  const eq1 = networkNoneNone.every(Boolean)
    ? 0
    : networkNoneNone.some(Boolean) && v.AV !== 'P'
      ? 1
      : 2;
  const eq2 = v.AC === 'L' && v.AT === 'N' ? 0 : 1;
  const eq3 =
    v.VC === 'H' && v.VI === 'H' ? 0 : v.VC === 'H' || v.VI === 'H' || v.VA === 'H' ? 1 : 2;
  const eq4 =
    v.SI === 'S' || v.SA === 'S' ? 0 : v.SC === 'H' || v.SI === 'H' || v.SA === 'H' ? 1 : 2;
  const eq5 = v.E === 'A' ? 0 : v.E === 'P' ? 1 : 2;
  const eq6 =
    (v.CR === 'H' && v.VC === 'H') ||
    (v.IR === 'H' && v.VI === 'H') ||
    (v.AR === 'H' && v.VA === 'H')
      ? 0
      : 1;
  return [eq1, eq2, eq3, eq4, eq5, eq6];
}

/** Score of a macro vector in tenths, or undefined where the table has none. */
function tenthsOf(macro: readonly number[]): number | undefined {
  const score = macroVectorScores[macro.join('')];
  return score === undefined ? undefined : Math.round(score * 10);
}

/** The macro vector one level less severe in the EQ at `index`. */
function stepDown(macro: MacroVector, index: number): number[] {
  return macro.map((level, i) => (i === index ? level + 1 : level));
}

/** What the interpolation needs of one EQ (EQ3 and EQ6 count as one). */
interface EqInterpolation {
  /** Score, in tenths, of the next lower macro vector in this EQ; undefined when there is none. */
  readonly lowerScore: number | undefined;
  /** The vector's severity distance from the chosen highest-severity vector, in steps. */
  readonly distance: number;
  /** The macro vector's depth in this EQ. */
  readonly depth: number;
}

/** Every candidate highest-severity vector: one part per EQ, in the calculator's order. */
function composeHighest(
  partsPerEq: readonly (readonly HighestVectorPart[])[],
): readonly HighestVectorPart[] {
  return partsPerEq.reduce<readonly HighestVectorPart[]>(
    (combined, parts) => combined.flatMap((c) => parts.map((part) => ({ ...c, ...part }))),
    [{}],
  );
}

/** The metrics whose severity distances add up to each EQ's (EQ3 and EQ6 as one), in order. */
const metricsPerEq: readonly (readonly LeveledMetric[])[] = [
  ['AV', 'PR', 'UI'],
  ['AC', 'AT'],
  ['VC', 'VI', 'VA', 'CR', 'IR', 'AR'],
  ['SC', 'SI', 'SA'],
];

/**
 * Spec §8 scoring steps 1a–1b for EQ1, EQ2, EQ3+EQ6 and EQ4: the next lower macro vector's
 * score, and the vector's severity distance from the first highest-severity vector of its macro
 * vector that is at least as severe in every metric. Undefined only if the tables lack an entry.
 */
function interpolationPerEq(
  v: EffectiveValues,
  macro: MacroVector,
): readonly EqInterpolation[] | undefined {
  const [eq1, eq2, eq3, eq4, , eq6] = macro;
  const joint = `${eq3}${eq6}`;
  const partsPerEq = [
    highestVectors.eq1[eq1],
    highestVectors.eq2[eq2],
    highestVectors.eq3eq6[joint],
    highestVectors.eq4[eq4],
  ];
  const depths = [
    macroVectorDepths.eq1[eq1],
    macroVectorDepths.eq2[eq2],
    macroVectorDepths.eq3eq6[joint],
    macroVectorDepths.eq4[eq4],
  ];
  // EQ3 and EQ6 step down together: 00 has two neighbours (01 and 10) and the higher-scoring one
  // counts, 01 and 11 lower EQ3, 10 lowers EQ6, 21 has none (the calculator's cvss_score.js).
  const lowerOfJoint = (): number | undefined => {
    if (joint === '00') {
      const scores = [tenthsOf(stepDown(macro, 5)), tenthsOf(stepDown(macro, 2))];
      const present = scores.filter((score) => score !== undefined);
      return present.length === 0 ? undefined : Math.max(...present);
    }
    return tenthsOf(stepDown(macro, joint === '10' ? 5 : 2));
  };
  const lowerScores = [
    tenthsOf(stepDown(macro, 0)),
    tenthsOf(stepDown(macro, 1)),
    lowerOfJoint(),
    tenthsOf(stepDown(macro, 3)),
  ];
  if (partsPerEq.some((parts) => parts === undefined)) return undefined;
  for (const highest of composeHighest(partsPerEq.map((parts) => parts ?? []))) {
    // A value without a level cannot pass parsing; were one there, NaN would reject the candidate.
    const distance = (metric: LeveledMetric): number => {
      const levels = severityLevels[metric];
      return (levels[v[metric]] ?? NaN) - (levels[highest[metric] ?? ''] ?? NaN);
    };
    const distances = metricsPerEq.map((metrics) => metrics.map(distance));
    if (!distances.flat().every((d) => d >= 0)) continue;
    const out: EqInterpolation[] = [];
    for (const [i, eqDistances] of distances.entries()) {
      const depth = depths[i];
      if (depth === undefined) return undefined;
      const distance = eqDistances.reduce((sum, d) => sum + d, 0);
      out.push({ lowerScore: lowerScores[i], distance, depth });
    }
    return out;
  }
  return undefined;
}

/**
 * The CVSS v4.0 score of a vector (0.0 to 10.0, one decimal), or undefined when the vector is not
 * a valid v4.0 vector.
 */
export function cvss4Score(vector: string): number | undefined {
  const metrics = parseCvss4Vector(vector);
  if (metrics === undefined) return undefined;
  const v = effectiveValues(metrics);
  // No impact on either system scores 0, whatever the macro vector (the calculator's shortcut).
  if ([v.VC, v.VI, v.VA, v.SC, v.SI, v.SA].every((x) => x === 'N')) return 0;
  const macro = macroVectorOf(v);
  const top = tenthsOf(macro);
  const perEq = interpolationPerEq(v, macro);
  if (top === undefined || perEq === undefined) return undefined;
  // Spec §8 scoring steps 1c–1d, 2 and 3: each EQ with a lower neighbour gives the score gap to
  // it times the vector's share of the EQ's depth; the mean of those is taken off the macro
  // vector's score. EQ5 (E) has no distance, so it only counts towards the mean. The sum is kept
  // as a fraction (numerator / denominator, in tenths) so the rounding below is exact.
  let numerator = 0;
  let denominator = 1;
  let counted = tenthsOf(stepDown(macro, 4)) === undefined ? 0 : 1;
  for (const { lowerScore, distance, depth } of perEq) {
    if (lowerScore === undefined) continue;
    counted += 1;
    numerator = numerator * depth + (top - lowerScore) * distance * denominator;
    denominator *= depth;
  }
  denominator *= Math.max(counted, 1);
  // Round half up to one decimal, exactly (FIRST's calculator adds 1e-6 before rounding to reach
  // the same result in floating point), then keep within 0.0–10.0.
  const tenths = Math.floor(
    (2 * (top * denominator - numerator) + denominator) / (2 * denominator),
  );
  return Math.min(100, Math.max(0, tenths)) / 10;
}
