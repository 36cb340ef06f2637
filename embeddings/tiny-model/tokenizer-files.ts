/**
 * The tokenizer and config files of the tiny test model, in the Hugging Face layout that transformers.js reads:
 * `tokenizer.json` (the `tokenizers` serialisation of a BERT WordPiece tokenizer: BertNormalizer,
 * BertPreTokenizer, WordPiece model, [CLS] … [SEP] TemplateProcessing), `tokenizer_config.json` and `config.json`
 * with `model_type: "bert"`. The structure mirrors `bert-base-uncased/tokenizer.json` on the Hugging Face hub.
 *
 * The vocabulary is small but complete for lower-case ASCII: every letter and digit exists both as a word start
 * and as a `##` continuation, so any ASCII word tokenizes without [UNK] and different texts get different ids.
 */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

const CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const PUNCTUATION = `.,?!'"-:;()/&%$€@#*+=<>[]{}_`;
const WORDS =
  'the a an and or not no is are was be to of in on for with at by from it this that what how why when where who ' +
  'can do does did i you my your we our me he she they them his her its will would should could please help ' +
  'reset password account login email change cancel order refund price cost weather berlin munich paris london ' +
  'today tomorrow time date capital city country france germany translate english german explain write code ' +
  'python javascript function error bug list sort number one two three four five ten hundred cat dog car ' +
  'hello hi thanks thank good bad best fast slow big small open close delete create update new old make get';

export function buildVocabulary(): string[] {
  const vocab: string[] = [...SPECIAL_TOKENS];
  const add = (token: string) => {
    if (!vocab.includes(token)) vocab.push(token);
  };
  for (const ch of CHARS + PUNCTUATION) add(ch);
  for (const ch of CHARS) add(`##${ch}`);
  for (const word of WORDS.split(/\s+/)) add(word);
  return vocab;
}

export interface TokenizerFiles {
  'tokenizer.json': unknown;
  'tokenizer_config.json': unknown;
  'config.json': unknown;
}

export function buildTokenizerFiles(options: {
  vocab: string[];
  hiddenSize: number;
  maxPositions: number;
}): TokenizerFiles {
  const { vocab, hiddenSize, maxPositions } = options;
  const id = (token: string) => vocab.indexOf(token);
  const special = (token: string) => ({ id: token, type_id: 0 });
  return {
    'tokenizer.json': {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: SPECIAL_TOKENS.map((content) => ({
        id: id(content),
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: {
        type: 'BertNormalizer',
        clean_text: true,
        handle_chinese_chars: true,
        strip_accents: null,
        lowercase: true,
      },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [
          { SpecialToken: special('[CLS]') },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: special('[SEP]') },
        ],
        pair: [
          { SpecialToken: special('[CLS]') },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: special('[SEP]') },
          { Sequence: { id: 'B', type_id: 1 } },
          { SpecialToken: { id: '[SEP]', type_id: 1 } },
        ],
        special_tokens: {
          '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
          '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
        },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: {
        type: 'WordPiece',
        unk_token: '[UNK]',
        continuing_subword_prefix: '##',
        max_input_chars_per_word: 100,
        vocab: Object.fromEntries(vocab.map((token, i) => [token, i])),
      },
    },
    'tokenizer_config.json': {
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      strip_accents: null,
      tokenize_chinese_chars: true,
      clean_up_tokenization_spaces: true,
      // Truncation length: transformers.js truncates to this, and it must not exceed max_position_embeddings.
      model_max_length: maxPositions,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    },
    'config.json': {
      architectures: ['BertModel'],
      model_type: 'bert',
      hidden_size: hiddenSize,
      num_hidden_layers: 1,
      num_attention_heads: 1,
      intermediate_size: hiddenSize,
      hidden_act: 'tanh',
      max_position_embeddings: maxPositions,
      type_vocab_size: 2,
      vocab_size: vocab.length,
      pad_token_id: id('[PAD]'),
      layer_norm_eps: 1e-12,
    },
  };
}
