/**
 * Fault injection for the mock upstream: a FIFO of faults, each applied to the next request(s) it covers.
 * One fault object may combine effects; they apply in a fixed order: `latencyMs` → `hang` → `status` →
 * `cutAfterTokens` / `finishReason`. The same JSON shape is accepted over HTTP (`POST /__mock/faults`) so a
 * bench in another process can script failures.
 */
import { z } from 'zod';

const faultSchema = z
  .strictObject({
    /** Answer with this HTTP status and an OpenAI-style error body. */
    status: z.number().int().min(400).max(599).optional(),
    /** `Retry-After` seconds sent with `status`. */
    retryAfter: z.number().min(0).optional(),
    /** Send this many content chunks, then destroy the connection (no finish, no [DONE]). */
    cutAfterTokens: z.number().int().min(0).optional(),
    /** Never answer (until the client gives up or the server stops). */
    hang: z.literal(true).optional(),
    /** Extra delay before answering. */
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    /** End the answer early with this finish reason (e.g. `length`). */
    finishReason: z.string().min(1).max(40).optional(),
    /** How many consecutive requests this fault applies to. Default 1. */
    times: z.number().int().min(1).max(1_000_000).optional(),
  })
  .refine((f) => Object.keys(f).some((k) => k !== 'times' && k !== 'retryAfter'), 'a fault needs at least one effect');

export type MockFault = z.infer<typeof faultSchema>;

/** Validates one fault or a list of them (the HTTP body); throws a readable message on bad input. */
export function parseFaults(input: unknown): MockFault[] {
  const result = z.union([faultSchema, z.array(faultSchema)]).safeParse(input);
  if (!result.success) throw new Error(`invalid fault: ${z.prettifyError(result.error)}`);
  return Array.isArray(result.data) ? result.data : [result.data];
}

export interface FaultQueue {
  push(...faults: MockFault[]): void;
  /** The fault for the next request, consuming one of its `times`; undefined when none is queued. */
  take(): MockFault | undefined;
  clear(): void;
  readonly size: number;
}

export function createFaultQueue(): FaultQueue {
  const queue: { fault: MockFault; left: number }[] = [];
  return {
    push(...faults) {
      for (const fault of faults) queue.push({ fault, left: fault.times ?? 1 });
    },
    take() {
      const head = queue[0];
      if (head === undefined) return undefined;
      if (--head.left <= 0) queue.shift();
      return head.fault;
    },
    clear() {
      queue.length = 0;
    },
    get size() {
      return queue.length;
    },
  };
}
