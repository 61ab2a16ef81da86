// Kubernetes resource quantities ("500m", "1Gi", "1e3") as numbers: CPU in cores, memory in bytes.
// Grammar from k8s.io/apimachinery/pkg/api/resource (quantity.go): a signed decimal number,
// then a binary SI suffix (Ki…Ei), a decimal SI suffix (n u m "" k M G T P E) or an exponent.

const binarySuffixes: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const decimalSuffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const quantityPattern = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** Parses a quantity; returns null when it is not one. Numbers pass through unchanged. */
export function parseQuantity(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const match = quantityPattern.exec(value.trim());
  if (!match) return null;
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  if (suffix in binarySuffixes) return number * (binarySuffixes[suffix] ?? 1);
  if (suffix in decimalSuffixes) return number * (decimalSuffixes[suffix] ?? 1);
  return number * 10 ** Number(suffix.slice(1));
}
