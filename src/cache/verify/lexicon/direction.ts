/**
 * Words that give two things an order (folded). Source markers introduce where something comes from, target
 * markers where it goes ("from A to B", "von A nach B", "A in B umwandeln", "A durch B ersetzen", "leave A for
 * B"); relation markers put the first thing in relation to the second ("A north of B", "A bigger than B").
 * Symmetric markers make order irrelevant: the distance between A and B is the distance between B and A.
 */
export const SOURCE_MARKERS: ReadonlySet<string> = new Set(['from', 'von', 'vom', 'aus', 'out']);

export const TARGET_MARKERS: ReadonlySet<string> = new Set([
  'to', 'into', 'towards', 'toward', 'onto', 'for', 'nach', 'zu', 'zum', 'zur', 'ins', 'in', 'auf', 'aufs',
  'durch', 'richtung', 'gen', 'than', 'als',
]);

export const SYMMETRIC_MARKERS: ReadonlySet<string> = new Set([
  'between', 'zwischen', 'vs', 'versus', 'difference', 'differences', 'differ', 'differs', 'unterschied',
  'unterschiede', 'unterscheiden', 'unterscheidet', 'compare', 'comparison', 'vergleich', 'vergleichen',
  'distance', 'far', 'entfernung', 'weit', 'apart', 'and', 'und', 'or', 'oder', 'both', 'beide', 'beiden',
]);
