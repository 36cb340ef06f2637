/**
 * Downloads an ONNX sentence-embedding model from the Hugging Face hub into the local model folder, in the layout
 * TransformersEmbedder reads (`<dir>/<modelId>/config.json, tokenizer.json, tokenizer_config.json,
 * onnx/model_quantized.onnx`). For a machine with internet; the gateway itself never downloads at run time.
 *
 *   bun run models:pull [model-id] [--revision <commit>] [--fp32] [--dir <folder>]
 *
 * - model-id defaults to Xenova/all-MiniLM-L6-v2; for German traffic use Xenova/paraphrase-multilingual-MiniLM-L12-v2.
 * - --revision pins a commit (recommended: a changed file means changed vectors); default `main`.
 * - --fp32 also fetches onnx/model.onnx (full precision, ~4x larger). The embedder prefers the quantized file.
 * - --dir, else EMBEDDINGS_MODEL_DIR, else embeddings/models. (This CLI entry point reads process.env itself
 *   because it runs outside the gateway and its config.) HF_TOKEN is sent for gated models when set.
 *
 * Files are written to `*.part` and renamed when complete, so an interrupted download never leaves a truncated
 * model that would look present to `EMBEDDINGS_MODEL=auto`. Entry point only: nothing may import this file.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

const DEFAULT_MODEL_ID = 'Xenova/all-MiniLM-L6-v2';
const HUB = 'https://huggingface.co';
const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'];
const OPTIONAL = ['special_tokens_map.json'];

interface PullOptions {
  modelId: string;
  revision: string;
  dir: string;
  fp32: boolean;
}

function parseArgs(argv: string[]): PullOptions {
  const options: PullOptions = {
    modelId: DEFAULT_MODEL_ID,
    revision: 'main',
    dir: process.env.EMBEDDINGS_MODEL_DIR || join(import.meta.dir, 'models'),
    fp32: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--fp32') options.fp32 = true;
    else if (arg === '--revision') options.revision = argv[++i] ?? options.revision;
    else if (arg === '--dir') options.dir = argv[++i] ?? options.dir;
    else if (!arg.startsWith('--')) options.modelId = arg;
    else throw new Error(`unknown option ${arg}`);
  }
  if (!/^[\w.-]+\/[\w.-]+$/.test(options.modelId)) throw new Error(`not a hub model id: ${options.modelId}`);
  return options;
}

async function download(url: string, target: string, required: boolean): Promise<number | undefined> {
  const headers: Record<string, string> = {};
  if (process.env.HF_TOKEN) headers.authorization = `Bearer ${process.env.HF_TOKEN}`;
  const response = await fetch(url, { headers, redirect: 'follow' });
  if (response.status === 404 && !required) return undefined;
  if (!response.ok) throw new Error(`GET ${url} → ${response.status} ${response.statusText}`);
  await mkdir(dirname(target), { recursive: true });
  const partial = `${target}.part`;
  try {
    await Bun.write(partial, response);
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return (await stat(target)).size;
}

async function pull(options: PullOptions): Promise<void> {
  const folder = resolve(options.dir, options.modelId);
  const files = [...REQUIRED, ...(options.fp32 ? ['onnx/model.onnx'] : [])];
  console.log(`pulling ${options.modelId}@${options.revision} into ${folder}`);
  for (const file of [...files, ...OPTIONAL]) {
    const url = `${HUB}/${options.modelId}/resolve/${encodeURIComponent(options.revision)}/${file}`;
    const size = await download(url, join(folder, file), files.includes(file));
    const what = size === undefined ? 'not in the repository (optional)' : `${(size / 1e6).toFixed(1)} MB`;
    console.log(`  ${file}: ${what}`);
  }
  console.log(`done. Set EMBEDDINGS_MODEL_DIR=${resolve(options.dir)}; EMBEDDINGS_MODEL=auto picks the model up.`);
}

if (import.meta.main) {
  try {
    await pull(parseArgs(process.argv.slice(2)));
  } catch (error) {
    console.error(`models:pull failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
