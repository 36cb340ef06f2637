/**
 * A minimal OpenAI-compatible upstream for the `ops` bench suite whose non-streamed answers are ~2 KB (six mock paragraphs), closer to
 * a typical real chat completion. The standard mock (src/llm/mock-upstream.ts) answers in a few hundred bytes,
 * below the gateway's 1 KiB compression threshold, so a cache hit of its answer would never be compressed.
 *
 *   PORT=0 bun run bench/peers/long-upstream.ts
 *
 * Routes: POST /v1/chat/completions (JSON only, no streaming), GET /v1/models, GET /health. No auth. Prints one
 * JSON line `{"event":"peer.listening","url":"http://127.0.0.1:PORT/v1"}`.
 */
import { mockAnswer } from '../../src/llm/mock-answer';

type Message = { role: 'system' | 'user' | 'assistant'; content: string };

/** ~2 KB: six paragraphs of deterministic mock prose, each from a different variant of the conversation. */
function longAnswer(messages: Message[], model: string): string {
  const paragraphs: string[] = [];
  for (let i = 0; i < 6; i++) paragraphs.push(mockAnswer([...messages, { role: 'user', content: `part ${i + 1}` }] as never, model));
  return paragraphs.join('\n\n');
}

let requests = 0;
const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  hostname: '127.0.0.1',
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === '/health') return Response.json({ status: 'ok' });
    if (pathname === '/v1/models') return Response.json({ object: 'list', data: [{ id: 'deepseek-chat', object: 'model', created: 0, owned_by: 'bench' }] });
    if (pathname === '/__mock/stats') return Response.json({ requests });
    if (pathname === '/v1/chat/completions' && request.method === 'POST') {
      requests++;
      const body = (await request.json()) as { model?: string; messages?: Message[]; stream?: boolean };
      if (body.stream) return Response.json({ error: { message: 'long-upstream: streaming not supported', type: 'invalid_request_error' } }, { status: 400 });
      const model = body.model ?? 'deepseek-chat';
      const content = longAnswer(body.messages ?? [], model);
      const completionTokens = Math.ceil(content.length / 4);
      return Response.json({
        id: `chatcmpl-${crypto.randomUUID()}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 30, completion_tokens: completionTokens, total_tokens: 30 + completionTokens },
        system_fingerprint: 'fp_bench_long',
      });
    }
    return Response.json({ error: { message: 'not found', type: 'invalid_request_error' } }, { status: 404 });
  },
});
console.log(JSON.stringify({ event: 'peer.listening', url: `http://127.0.0.1:${server.port}/v1` }));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
