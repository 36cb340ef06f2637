/**
 * Function words (English and German, folded: umlauts as bare vowels, ß as ss): articles, pronouns, auxiliaries,
 * modals, prepositions, conjunctions, question words, politeness, and "light" verbs (do, get, put, machen...)
 * whose swap never changes what is asked. They are not *content*: topic overlap and token-contrast ignore them.
 *
 * Deliberately NOT here: negations (negation rule), number words (number rule), scope words such as all/alle
 * (scope rule) — those rules read every token, stop word or not. Question words are here for the content view
 * but the question-type rule has its own lexicon.
 */
const EN = `
a an the this that these those there here it its it's i me my mine myself we us our ours you your yours
he him his she her hers they them their theirs one's someone something anything
is are was were be been being am do does did done doing have has had having
can could may might must shall should will would ought need needs needed
to of in on at by for with about as into onto from up down out off over under via per
and or but if then so than too very just also only even still yet already again
what which who whom whose when where why how whats hows wheres whens
please tell me thanks thank hi hello ok okay kindly yes
get gets got getting go goes going went gone put puts putting give gives given take takes taking want wants
know let's lets way ways thing things possible able also else
any some such other another same own each
`;

const DE = `
der die das den dem des ein eine einen einem einer eines
ich mich mir mein meine meinen meinem meiner meines du dich dir dein deine deinen deinem deiner
er ihn ihm sein seine seinen seinem seiner sie ihr ihre ihren ihrem ihrer es wir uns unser unsere unseren unserem
euch euer eure man sich selbst jemand etwas
ist sind war waren bin bist sei seid wird werden wurde wurden worden geworden hat habe haben hast hatte hatten habt
kann kannst konnen konnte konnten darf darfst durfen durfte muss musst mussen musste soll sollte sollen solltest
will willst wollen wollte mochte mochten mag
und oder aber wenn dann als wie was wer wen wem wessen wann wo wohin woher warum weshalb wieso weswegen
welche welcher welches welchen welchem
zu zum zur im in ins am an auf aus bei beim mit nach von vom vor fur uber unter um durch gegen bis ob dass
noch schon auch nur so da hier dort bitte denn doch mal ja eigentlich genau etwa
gibt geht gehts tun tue mache machen macht machst
`;

export const STOPWORDS: ReadonlySet<string> = new Set(`${EN} ${DE}`.split(/\s+/).filter(Boolean));

/** Words that mark a text as German / English, for the language guess (function words only, folded). */
export const GERMAN_MARKERS: ReadonlySet<string> = new Set(
  `der die das den dem des ein eine einen einem einer ich mich mir mein meine ist sind wie was wer wann wo warum
   nicht kein keine mit fur und zu zum zur im ins auf aus bei vom nach von kann darf muss wird werden wurde habe hat
   ich welche welcher welches gibt es man sich oder auch zwischen uber unter durch gegen ohne bis wenn dass aber noch
   schon nur sehr sein ihre ihr unser diese dieser dieses alle wird mein meinen meinem meiner mich mir`.split(/\s+/).filter(Boolean),
);
export const ENGLISH_MARKERS: ReadonlySet<string> = new Set(
  `the a an is are do does did i my me you your how what when where why which who can could should would will
   to of for with and or from on at not no it this that have has be there`.split(/\s+/).filter(Boolean),
);
