/**
 * Coalesces a turn's token deltas so that a fast stream does not become one frame (and one bus message, and one
 * send per subscriber) per token. Text waits at most `windowMs`, or is delivered at once when `maxChars` are
 * buffered. All buffers share one timer: with thousands of concurrent turns that is one timer per window, not one
 * per turn.
 *
 * Batching happens per turn, at the source, not per receiving socket: the originating socket, every local
 * subscriber and the bus all get the same batches, each encoded once.
 */
export interface DeltaBatcherOptions {
  windowMs: number;
  /** Deliveries never exceed this many UTF-16 code units (a surrogate pair is never split). */
  maxChars: number;
}

export interface DeltaBuffer {
  append(text: string): void;
  /** Delivers what is buffered now (before a `done`, or an error the client should see after the text). */
  flush(): void;
  /** Forgets what is buffered (cancelled turn) and stops any scheduled delivery. */
  discard(): void;
  readonly pendingChars: number;
}

export interface DeltaBatcherStats {
  /** Pieces of text appended (tokens, roughly). */
  appended: number;
  /** Deliveries made (frames per receiver). */
  delivered: number;
}

export interface DeltaBatcher {
  open(deliver: (text: string) => void): DeltaBuffer;
  stats(): DeltaBatcherStats;
  /** Delivers every buffer now and stops the timer. */
  close(): void;
}

export function createDeltaBatcher(options: DeltaBatcherOptions): DeltaBatcher {
  const windowMs = Math.max(0, options.windowMs);
  const maxChars = Math.max(2, Math.floor(options.maxChars));
  const dirty = new Set<Buffer>();
  const counts: DeltaBatcherStats = { appended: 0, delivered: 0 };
  let timer: ReturnType<typeof setTimeout> | undefined;

  const tick = () => {
    timer = undefined;
    // A delivery may append to another buffer (never to this one): iterate a snapshot.
    const due = [...dirty];
    dirty.clear();
    for (const buffer of due) buffer.flush();
  };

  class Buffer implements DeltaBuffer {
    private text = '';
    constructor(private readonly deliver: (text: string) => void) {}

    get pendingChars() {
      return this.text.length;
    }

    append(text: string) {
      if (text.length === 0) return;
      counts.appended++;
      this.text += text;
      if (this.text.length >= maxChars || windowMs === 0) return this.flush();
      dirty.add(this);
      timer ??= setTimeout(tick, windowMs);
    }

    flush() {
      dirty.delete(this);
      let text = this.text;
      this.text = '';
      while (text.length > 0) {
        let end = Math.min(text.length, maxChars);
        const last = text.charCodeAt(end - 1);
        if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
        counts.delivered++;
        this.deliver(text.slice(0, end));
        text = text.slice(end);
      }
    }

    discard() {
      dirty.delete(this);
      this.text = '';
    }
  }

  return {
    open: (deliver) => new Buffer(deliver),
    stats: () => ({ ...counts }),
    close() {
      if (timer) clearTimeout(timer);
      tick();
    },
  };
}
