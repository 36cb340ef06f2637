/** Second-stage match verification for the semantic cache. See `match-verifier.ts`. */
export { analyze } from './analyze.ts';
export { createMatchVerifier, RULES, type MatchVerifier, type MatchVerifierOptions } from './match-verifier.ts';
export { REJECT_REASONS, type RejectReason, type TextFeatures, type Verdict } from './types.ts';
