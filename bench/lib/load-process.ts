/**
 * Entry point of a load process (see load.ts): reads a SerializedLoad as JSON on stdin, runs it, and prints the
 * LoadResult as one line prefixed with RESULT_MARKER. Exit code 1 with a message on stderr when it cannot run.
 */
import { runLoadInProcess, type LoadOptions } from './load-core';
import { rebuildBodyFn, RESULT_MARKER, type SerializedLoad } from './load';

try {
  const spec = (await Bun.stdin.json()) as SerializedLoad;
  const { body, ...rest } = spec;
  const options: LoadOptions = { ...rest };
  if (body?.kind === 'text') options.body = body.text;
  if (body?.kind === 'function') options.body = rebuildBodyFn(body.source);
  const result = await runLoadInProcess(options);
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (error) {
  process.stderr.write(`load process failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
