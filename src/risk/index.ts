// Public surface of risk/: deployment risk scores and their explanations.
export {
  scoreWorkload,
  normaliseFactor,
  policyViolationFactor,
  serviceConfigurationFactor,
  reachabilityFactor,
  imageVulnerabilityFactor,
} from './score.ts';
export type { RiskFactor, RiskScore } from './score.ts';
