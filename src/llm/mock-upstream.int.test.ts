import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { mockAnswer } from './mock-answer';
import { startMockUpstream, type MockUpstream } from './mock-upstream';

const messages = [{ role: 'user' as const, content: 'What does the mock upstream say?' }];
let mock: MockUpstream;
let client: OpenAI;

beforeAll(() => {
  mock = startMockUpstream({ apiKey: 'sk-mock-test' });
  client = new OpenAI({ baseURL: mock.url, apiKey: 'sk-mock-test', maxRetries: 0 });
});
afterAll(() => mock.stop());
afterEach(() => {
  mock.clearFaults();
  mock.requests.clear();
});

describe('mock upstream speaks the OpenAI protocol to the official client', () => {
  test('answers a non-streamed completion with the deterministic answer and usage', async () => {
    const completion = await client.chat.completions.create({ model: 'deepseek-chat', messages });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe(mockAnswer(messages, 'deepseek-chat'));
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0));
  });

  test('streams role, content, finish and usage chunks that the client reassembles', async () => {
    const stream = await client.chat.completions.create({ model: 'deepseek-chat', messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let chunks = 0;
    let finish: string | null | undefined;
    let usageTokens: number | undefined;
    for await (const chunk of stream) {
      chunks++;
      const choice = chunk.choices[0];
      text += choice?.delta.content ?? '';
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usageTokens = chunk.usage.completion_tokens;
    }
    expect(text).toBe(mockAnswer(messages, 'deepseek-chat'));
    expect(chunks).toBeGreaterThan(20);
    expect(finish).toBe('stop');
    expect(usageTokens).toBeGreaterThan(0);
  });

  test('the client helper finalChatCompletion accepts the stream', async () => {
    const runner = client.chat.completions.stream({ model: 'deepseek-chat', messages });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(mockAnswer(messages, 'deepseek-chat'));
  });

  test('lists models in the OpenAI list format', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toContain('deepseek-chat');
  });

  test('refuses a wrong API key with a 401 the client raises as an authentication error', async () => {
    const wrong = new OpenAI({ baseURL: mock.url, apiKey: 'sk-wrong', maxRetries: 0 });
    const error = await wrong.chat.completions.create({ model: 'deepseek-chat', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  test('a scripted 429 reaches the client as a rate-limit error with Retry-After', async () => {
    mock.script({ status: 429, retryAfter: 7 });
    const error = await client.chat.completions.create({ model: 'deepseek-chat', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7');
  });

  test('a stream cut after n tokens makes the client fail rather than end cleanly', async () => {
    mock.script({ cutAfterTokens: 3 });
    const stream = await client.chat.completions.create({ model: 'deepseek-chat', messages, stream: true });
    let pieces = 0;
    const consume = async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) pieces++;
    };
    await expect(consume()).rejects.toThrow();
    expect(pieces).toBe(3);
  });

  test('finishReason length ends the answer early with that reason', async () => {
    mock.script({ finishReason: 'length' });
    const completion = await client.chat.completions.create({ model: 'deepseek-chat', messages });
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(mockAnswer(messages, 'deepseek-chat').startsWith(completion.choices[0]?.message.content ?? 'x')).toBe(true);
  });
});

describe('mock upstream control API', () => {
  test('faults posted over HTTP apply in order to the next requests, `times` included', async () => {
    const base = mock.url.replace(/\/v1$/, '');
    const posted = await fetch(`${base}/__mock/faults`, {
      method: 'POST',
      body: JSON.stringify([{ status: 500, times: 2 }, { status: 400 }]),
    });
    expect(posted.status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${mock.url}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-mock-test' },
        body: JSON.stringify({ model: 'm', messages }),
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([500, 500, 400, 200]);
    const stats = await (await fetch(`${base}/__mock/stats`)).json();
    expect(stats).toMatchObject({ requests: 4, faultsQueued: 0 });
  });

  test('DELETE /__mock/faults clears the queue and a bad fault is refused with 400', async () => {
    const base = mock.url.replace(/\/v1$/, '');
    await fetch(`${base}/__mock/faults`, { method: 'POST', body: JSON.stringify({ hang: true }) });
    expect(mock.stats().faultsQueued).toBe(1);
    await fetch(`${base}/__mock/faults`, { method: 'DELETE' });
    expect(mock.stats().faultsQueued).toBe(0);
    const bad = await fetch(`${base}/__mock/faults`, { method: 'POST', body: JSON.stringify({ status: 'teapot' }) });
    expect(bad.status).toBe(400);
  });

  test('records each chat request body and answers health checks', async () => {
    await client.chat.completions.create({ model: 'deepseek-chat', messages, temperature: 0.3 });
    expect(mock.requests.count).toBe(1);
    expect(mock.requests.log[0]?.body).toMatchObject({ model: 'deepseek-chat', temperature: 0.3 });
    const health = await fetch(mock.url.replace(/\/v1$/, '/health'));
    expect(await health.json()).toEqual({ status: 'ok' });
  });
});
