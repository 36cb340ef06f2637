/**
 * Text normalisation for the verifier, done once per text: Unicode NFKC, case folding, umlaut/ß folding
 * (ä→a, ö→o, ü→u, ß→ss, other accents dropped), English contractions expanded ("don't" → "do not"), and a
 * tokenizer that keeps what the rules need: numbers with their separators ("3,5", "5:20", "2.570"), identifiers
 * ("orders_archive", "Promise.all", "C1"), currency/percent/degree signs and sentence punctuation.
 *
 * Umlauts fold to the bare vowel (not "ae"/"oe"/"ue") because users who cannot type them mostly drop the dots
 * ("saarbrucken"); the typo-tolerant comparison in `tokens.ts` absorbs the "ue" spelling.
 */

export type TokenKind = 'word' | 'number' | 'symbol' | 'punct';

export interface RawToken {
  /** Folded form: lower case, umlauts and accents folded. */
  text: string;
  /** As written (after NFKC), for capitalisation checks and messages. */
  original: string;
  kind: TokenKind;
  /** No space between this token and the previous one ("4er", "3rd", "50px", "km²"). */
  attached: boolean;
  /** First token of the text or of a sentence (after . ? ! : ;). Commas, dashes and brackets are `punct` too. */
  sentenceStart: boolean;
}

/** Lower case, umlauts and ß folded, accents removed. Idempotent. */
export function foldText(text: string): string {
  return text
    .toLowerCase()
    .replace(/ä/g, 'a')
    .replace(/ö/g, 'o')
    .replace(/ü/g, 'u')
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/\p{M}+/gu, '');
}

const TOKEN_RE =
  /((?:v(?=\d+\.\d))?\d+(?:[.,:]\d+)*)|([\p{L}_][\p{L}\p{N}_]*(?:\.[\p{L}_][\p{L}\p{N}_]*)*(?:'\p{L}+)?)|([€$£%°²]|={2,3}|!==?|[?.!;:,()\u2013\u2014]|\s-\s)/gu;

const IS_CONTRACTED = new Set(['what', 'where', 'who', 'how', 'when', 'why', 'it', 'that', 'there', 'here', 'he', 'she', 'whats']);

/** "can't" → can + not; "child's" → child; "what's" → what. Returns the folded parts. */
function expandContraction(word: string): string[] {
  const apostrophe = word.indexOf("'");
  if (apostrophe < 0) return [word];
  if (word.endsWith("n't")) {
    const base = word.slice(0, -3);
    const fixed = base === 'ca' ? 'can' : base === 'wo' ? 'will' : base === 'sha' ? 'shall' : base === 'ai' ? 'is' : base;
    return [fixed, 'not'];
  }
  const head = word.slice(0, apostrophe);
  const tail = word.slice(apostrophe + 1);
  // "what's" is "what is"; "child's" is a possessive and just "child".
  if (tail === 's' && IS_CONTRACTED.has(head)) return [head, 'is'];
  if (tail === 're') return [head, 'are'];
  if (['s', 've', 'll', 'd', 'm', 't'].includes(tail)) return head ? [head] : [];
  return [head + tail];
}

/** Splits `text` into folded tokens. Pure; a few microseconds for a typical prompt. */
export function tokenize(text: string): RawToken[] {
  const source = text.normalize("NFKC").replace(/[\u2018\u2019\u02bc´]/g, "'").replace(/[\u2010-\u2012]/g, "-");
  const out: RawToken[] = [];
  let lastEnd = -1;
  let sentenceStart = true;
  for (const match of source.matchAll(TOKEN_RE)) {
    const start = match.index;
    const raw = match[0];
    const attached = start === lastEnd;
    lastEnd = start + raw.length;
    if (match[3] !== undefined) {
      const isPunct = /^(?:[?.!;:,()\u2013\u2014]|\s-\s)$/.test(raw);
      const text = raw.trim();
      out.push({ text, original: text, kind: isPunct ? 'punct' : 'symbol', attached, sentenceStart: false });
      if (/^[?.!;:]$/.test(raw)) sentenceStart = true;
      continue;
    }
    if (match[1] !== undefined) {
      out.push({ text: raw, original: raw, kind: 'number', attached, sentenceStart });
      sentenceStart = false;
      continue;
    }
    const folded = foldText(raw);
    let parts = expandContraction(folded);
    if (parts.length === 1 && parts[0] === 'cannot') parts = ['can', 'not'];
    parts.forEach((part, i) => {
      if (!part) return;
      out.push({ text: part, original: i === 0 ? raw : part, kind: 'word', attached: i === 0 ? attached : false, sentenceStart: i === 0 && sentenceStart });
    });
    sentenceStart = false;
  }
  return out;
}

/**
 * A light, language-agnostic suffix stripper for English and German inflections, so "registered"/"registering"
 * and "gelben"/"gelber" meet. Consistency matters more than linguistic accuracy: both texts go through the same
 * function. Never shortens below 3 characters; identifiers and numbers are left alone.
 */
export function stem(word: string): string {
  if (word.length <= 3 || /[\d_.]/.test(word)) return word;
  let w = word;
  for (let round = 0; round < 2; round++) {
    const before = w;
    if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
    else if (w.endsWith('ied') && w.length > 4) w = `${w.slice(0, -3)}y`;
    else if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
    else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2);
    else if (w.endsWith('ern') && w.length > 5) w = w.slice(0, -3);
    else if ((w.endsWith('em') || w.endsWith('en') || w.endsWith('er') || w.endsWith('es') || w.endsWith('et')) && w.length > 4) {
      w = w.slice(0, -2);
    } else if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
    else if (w.endsWith('s') && !/(ss|us|is|os)$/.test(w) && w.length > 3) w = w.slice(0, -1);
    if (w === before || w.length < 3) {
      if (w.length < 3) w = before;
      break;
    }
  }
  return w;
}

/** Damerau-Levenshtein distance (optimal string alignment), stopping early above `max`. */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a === b) return 0;
  const cols = b.length + 1;
  let prev2 = new Array<number>(cols).fill(0);
  let prev = Array.from({ length: cols }, (_, j) => j);
  let cur = new Array<number>(cols).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[cols - 1]!;
}
