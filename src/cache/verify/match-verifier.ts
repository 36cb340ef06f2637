/**
 * The second-stage check of the semantic cache: after vector search found a cached question `candidate` close to
 * the incoming `query`, `verify` rejects the pair when the texts differ where meaning flips — numbers, negation,
 * direction, named entities, units, opposites, scope, the kind of question, a changed topic, one content
 * word swapped in an otherwise identical frame, or a cached question about a detail the new one never mentions. Pure, no I/O; tens of microseconds per pair.
 *
 * Cost model: `analyze` (tokenising and feature extraction) is the expensive half and runs once per text; a
 * small memo keeps the latest texts, so one query checked against k candidates analyses the query once.
 * `verifyFeatures` on two analysed texts only compares.
 *
 * Rules run in a fixed order and the first finding wins (the reason names the first kind of flip found).
 * Each rule can be switched off for measurement (`rules: { contrast: false }`).
 */
import { analyze } from './analyze.ts';
import { checkAddedDetail } from './rules/added-detail.ts';
import { checkAntonyms } from './rules/antonym.ts';
import { checkContrast } from './rules/contrast.ts';
import { checkDirection } from './rules/direction.ts';
import { checkEntities } from './rules/entity.ts';
import { checkNegation } from './rules/negation.ts';
import { checkNumbers } from './rules/number.ts';
import { checkQuestionType } from './rules/question-type.ts';
import { checkScope } from './rules/scope.ts';
import { checkTopicDrift } from './rules/topic-drift.ts';
import { checkUnits } from './rules/unit.ts';
import type { RejectReason, RuleCheck, TextFeatures, Verdict } from './types.ts';

export const RULES: ReadonlyArray<readonly [RejectReason, RuleCheck]> = [
  ['number', checkNumbers],
  ['negation', checkNegation],
  ['unit', checkUnits],
  ['direction', checkDirection],
  ['antonym', checkAntonyms],
  ['question-type', checkQuestionType],
  ['scope', checkScope],
  ['entity', checkEntities],
  ['contrast', checkContrast],
  ['topic-drift', checkTopicDrift],
  ['added-detail', checkAddedDetail],
];

export interface MatchVerifierOptions {
  /** Switch single rules off (all are on by default). */
  rules?: Partial<Record<RejectReason, boolean>>;
  /** How many analysed texts to memoise (default 512; 0 disables). */
  memoSize?: number;
}

export interface MatchVerifier {
  /** Accepts `candidate` as an answer source for `query`, or says which kind of meaning flip it found. */
  verify(query: string, candidate: string): Verdict;
  /** Features of one text (memoised). */
  analyze(text: string): TextFeatures;
  /** `verify` on texts already analysed. */
  verifyFeatures(query: TextFeatures, candidate: TextFeatures): Verdict;
}

export function createMatchVerifier(options: MatchVerifierOptions = {}): MatchVerifier {
  const enabled = RULES.filter(([reason]) => options.rules?.[reason] !== false);
  const memoSize = options.memoSize ?? 512;
  const memo = new Map<string, TextFeatures>();

  const analyzeMemo = (text: string): TextFeatures => {
    if (memoSize <= 0) return analyze(text);
    const hit = memo.get(text);
    if (hit) {
      // Refresh recency (Map keeps insertion order).
      memo.delete(text);
      memo.set(text, hit);
      return hit;
    }
    const features = analyze(text);
    memo.set(text, features);
    if (memo.size > memoSize) memo.delete(memo.keys().next().value!);
    return features;
  };

  const verifyFeatures = (query: TextFeatures, candidate: TextFeatures): Verdict => {
    for (const [reason, check] of enabled) {
      const detail = check(query, candidate);
      if (detail !== undefined) return { ok: false, reason, detail };
    }
    return { ok: true };
  };

  return {
    analyze: analyzeMemo,
    verifyFeatures,
    verify: (query, candidate) => verifyFeatures(analyzeMemo(query), analyzeMemo(candidate)),
  };
}
