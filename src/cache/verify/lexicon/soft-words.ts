/**
 * "Soft" words (folded): general verbs, adjectives, adverbs and frame nouns that people swap freely when they
 * reword ("used" → "employed", "find" → "access", "whole" → "entire", "way" → "method"). A swap between soft
 * words is not a contrast. Meaning-flipping verbs are NOT here: opposites are in `antonyms.ts` and domain
 * actions (apply, register, cook, sort, join...) stay hard.
 *
 * German needs little of this list: its nouns are capitalised, so in mixed-case German text a lower-case word is
 * treated as soft (not a noun) by the analyser.
 * Matched on the folded word and on its stem.
 */
const EN_VERBS = `
use uses used using employ employs employed employing utilize utilizes utilized utilizing utilise utilised
find finds found finding locate locates located access accesses accessed reach reached get obtain obtains obtained
acquire acquired retrieve retrieves retrieved fetch fetches fetched select selects selected choose chooses chosen
pick picks picked provide provides provided providing give gives given supply supplies supplied offer offers offered
deliver delivers delivered pass passes passed passing hand make makes made making create creates created creating
generate generates generated produce produces produced build builds built construct form forms formed
allow allows allowed allowing enable enables enabled facilitate facilitates facilitated let lets permit permits
help helps helped helping assist assists assisted aid aids support supports supported determine determines
determined specify specifies specified define defines defined designate designated indicate indicates indicated
set sets hold holds held contain contains contained include includes included including comprise comprises
consist consists compose composed keep keeps kept store stores stored save saves saved preserve retain retains
run runs ran running execute executes executed perform performs performed carry carries carried conduct
show shows shown display displays displayed present presents presented demonstrate illustrate load loads loaded
read reads take takes took taken bring brings brought put puts place places placed serve serves served act acts
work works worked function functions operate operates require requires required need needs needed demand
mention mentions mentioned reference references referenced refer refers referred name named call calls called
term termed describe describes described explain explains explained detail details outline check checks checked
verify verifies verified ensure ensures confirm confirms see sees seen view views look looks looking watch learn
learns know knows understand discover identify identifies recognize handle handles handled manage manages managed
process processes processed treat treats treated deal deals oversee oversees control controls maintain
change changes changed modify modifies modified alter alters adjust adjusts update updates updated edit edits
go goes went come comes came travel travels ride rides drive drives walk fly speak speaks spoke spoken say says
said tell tells told ask asks write writes talk talks mean means meant seem seems appear appears become becomes
remain remains stay stays happen happens occur occurs exist exists existed try tries attempt attempts want wants
wish like likes prefer expect plan intend decide wrap wraps wrapped encapsulate encapsulates iterate iterates loop
arrange organize organizes organized organise organised divide divides divided split splits separate group groups
grouped combine combines combined merge merges link links linked connect connects associate associates attach
share shares shared distribute distributes publish consider considers involve involves involved concern concerns
enter entered input inputs designed intended aimed accomplish achieve achieves reach gain gains acquire
yield yields yielded return returns returned furnish furnishes furnished tap taps tapping click clicks clicking
consider considered think thought suggest suggested recommend recommended examine inspect survey encompass
encompasses cover covers covered presuppose assume assumes adhere follow follows following cycle iterating
incorporate incorporated integrate integrated unpack unpacking extract extraction extracting depend depends
contingent interested curious stated state states distinguish conventional
`;

const EN_OTHER = `
whole entire full complete completely total quick quickly fast faster rapid rapidly swift swiftly speedy
huge great numerous various different specific particular certain given specified indicated designated relevant
related corresponding associated appropriate suitable proper correct exact exactly precise precisely perfect ideal
good best better simple simply easy easily basic common typical typically usual usually standard general generally
main important key major necessary possible able capable available useful helpful beneficial advantageous
additional extra further other recent already just really super very quite rather instead again automatically
explicitly directly especially particularly actually basically thus therefore hence finally also way ways method
methods means manner approach technique techniques tool tools purpose aim goal objective information info details
thing things stuff option options possibility possibilities ability capability capabilities feature features
functionality guidance instructions instruction guide guides recipe question answer example examples instance kind
type part parts section sections piece pieces people person someone anyone somebody everyone user users procedure
process steps step overview platform system
`;

const DE = `
benutzen benutze verwenden verwende nutzen nutze finden finde bekommen bekomme erhalten geben gebe nehmen nehme
bringen mitbringen mitnehmen holen erledigen funktionieren funktioniert gehen gehe kommen komme laufen sehen wissen
kennen lassen sagen erklaren zeigen rezept anleitung moglichkeit moglichkeiten art weise leute person jemand
`;

export const SOFT_WORDS: ReadonlySet<string> = new Set(`${EN_VERBS} ${EN_OTHER} ${DE}`.split(/\s+/).filter(Boolean));
