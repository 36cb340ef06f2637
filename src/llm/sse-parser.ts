/**
 * Incremental server-sent-events parser (WHATWG HTML, "Server-sent events", §9.2.6 "Interpreting an event
 * stream"). Network chunks split anywhere: inside a UTF-8 sequence, inside a line, between the `\r` and `\n` of a
 * CRLF. The parser keeps the unfinished tail and emits one event per blank line, joining multi-line `data:`
 * fields with `\n`. Comment lines (`: keep-alive`) and fields other than `data`/`event` are ignored.
 */

export interface SseEvent {
  /** The `event:` field; `message` when absent, as in the spec. */
  event: string;
  data: string;
}

export interface SseParser {
  /** Feeds raw bytes; returns the events they completed, in order. */
  push(chunk: Uint8Array): SseEvent[];
  /**
   * Ends the stream. Unlike the spec, a final event that lacks only its trailing blank line is still delivered:
   * some upstreams close right after `data: [DONE]\n`. A cut inside JSON still fails, at the JSON parser.
   */
  end(): SseEvent[];
}

export function createSseParser(): SseParser {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let data: string[] = [];
  let eventName = '';
  let sawField = false;

  function dispatch(out: SseEvent[]) {
    if (sawField && data.length > 0) out.push({ event: eventName || 'message', data: data.join('\n') });
    data = [];
    eventName = '';
    sawField = false;
  }

  function line(text: string, out: SseEvent[]) {
    if (text === '') return dispatch(out);
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      data.push(value);
      sawField = true;
    } else if (field === 'event') {
      eventName = value;
      sawField = true;
    }
  }

  function consume(final: boolean): SseEvent[] {
    const out: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const ch = buffer.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      // A `\r` at the very end may be the first half of a CRLF split across chunks: wait for the next chunk.
      if (ch === 13 && i === buffer.length - 1 && !final) break;
      line(buffer.slice(start, i), out);
      if (ch === 13 && buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    buffer = buffer.slice(start);
    if (final) {
      if (buffer !== '') line(buffer, out);
      buffer = '';
      dispatch(out);
    }
    return out;
  }

  return {
    push(chunk) {
      buffer += decoder.decode(chunk, { stream: true });
      return consume(false);
    },
    end() {
      buffer += decoder.decode();
      return consume(true);
    },
  };
}
