import { describe, expect, test } from 'bun:test';
import { createSseParser, type SseEvent } from './sse-parser';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Feeds `input` split at every position in `cuts` and returns all events. */
function parseInPieces(input: Uint8Array, cuts: number[]): SseEvent[] {
  const parser = createSseParser();
  const events: SseEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    events.push(...parser.push(input.subarray(from, cut)));
    from = cut;
  }
  events.push(...parser.end());
  return events;
}

const STREAM = [
  ': keep-alive\n\n',
  'data: {"a":"héllo 🌍"}\n\n',
  'event: error\r\ndata: {"b":1}\r\n\r\n',
  'data: line one\ndata: line two\n\n',
  'data:no-space\rid: 7\rretry: 100\r\r',
  'data: [DONE]\n\n',
].join('');

const EXPECTED: SseEvent[] = [
  { event: 'message', data: '{"a":"héllo 🌍"}' },
  { event: 'error', data: '{"b":1}' },
  { event: 'message', data: 'line one\nline two' },
  { event: 'message', data: 'no-space' },
  { event: 'message', data: '[DONE]' },
];

describe('SSE parser', () => {
  test('parses comments, LF/CRLF/CR line ends, event names and multi-line data', () => {
    expect(parseInPieces(bytes(STREAM), [])).toEqual(EXPECTED);
  });

  test('gives the same events however the network splits the bytes, even inside UTF-8 and CRLF', () => {
    const input = bytes(STREAM);
    const byteByByte = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
    expect(parseInPieces(input, byteByByte)).toEqual(EXPECTED);
    for (let cut = 1; cut < input.length; cut++) expect(parseInPieces(input, [cut])).toEqual(EXPECTED);
  });

  test('delivers a final event that lacks only its trailing blank line', () => {
    expect(parseInPieces(bytes('data: a\n\ndata: [DONE]\n'), [])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: '[DONE]' },
    ]);
  });

  test('emits nothing for blank lines and comments alone', () => {
    expect(parseInPieces(bytes('\n\n: ping\n\n:\n\n'), [3])).toEqual([]);
  });
});
