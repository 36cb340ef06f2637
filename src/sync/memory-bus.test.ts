import { describe, expect, test } from 'bun:test';
import { createLogger } from '../log';
import type { BusMessage } from './bus';
import { collect, delta, turnIds, waitFor } from './bus-test-helpers';
import { createMemoryBus, createMemoryBusNetwork } from './memory-bus';

describe('memory bus', () => {
  test('delivers asynchronously: no handler runs inside publish', async () => {
    const network = createMemoryBusNetwork();
    const a = network.connect({ instanceId: 'a' });
    const atB = collect(network.connect({ instanceId: 'b' }));
    const publishing = a.publish(delta('one'));
    expect(atB.messages).toHaveLength(0);
    await publishing;
    await waitFor(() => atB.messages.length === 1);
  });

  test('never calls a handler re-entrantly when a handler publishes', async () => {
    const network = createMemoryBusNetwork();
    const a = network.connect({ instanceId: 'a' });
    const b = network.connect({ instanceId: 'b' });
    let depth = 0;
    const depthAtDelivery: number[] = [];
    b.subscribe((message: BusMessage) => {
      depth++;
      depthAtDelivery.push(depth);
      // Publishing from inside a handler must queue, not deliver before this handler returns.
      if (message.type === 'session.delta' && message.data.turnId === 'first') void a.publish(delta('second'));
      depth--;
    });
    await a.publish(delta('first'));
    await waitFor(() => depthAtDelivery.length === 2);
    expect(depthAtDelivery).toEqual([1, 1]);
  });

  test('a single-instance bus delivers nothing to itself and counts its echoes', async () => {
    const bus = createMemoryBus({ instanceId: 'solo' });
    const mine = collect(bus);
    await bus.publish(delta());
    await Bun.sleep(0);
    expect(mine.messages).toHaveLength(0);
    expect(bus.stats()).toMatchObject({ published: 1, droppedEchoes: 1, received: 0, connected: true });
  });

  test('loses messages published while an instance is disconnected, and fires onReconnect when it returns', async () => {
    const network = createMemoryBusNetwork();
    const a = network.connect({ instanceId: 'a' });
    const b = network.connect({ instanceId: 'b' });
    const atB = collect(b);
    let reconnects = 0;
    b.onReconnect(() => {
      reconnects++;
    });
    network.disconnect(b);
    expect(b.stats().connected).toBe(false);
    await a.publish(delta('missed'));
    await b.publish(delta('unsent'));
    expect(b.stats().publishFailures).toBe(1);
    network.restore(b);
    await a.publish(delta('seen'));
    await waitFor(() => atB.messages.length === 1 && reconnects === 1);
    expect(turnIds(atB.messages)).toEqual(['seen']);
  });

  test('logs a flood of malformed messages once per interval, with a count of the rest', async () => {
    const lines: string[] = [];
    const network = createMemoryBusNetwork();
    const b = network.connect({ instanceId: 'b', logger: createLogger({ write: (line) => lines.push(line) }) });
    for (let i = 0; i < 50; i++) network.injectRaw('garbage');
    await waitFor(() => b.stats().droppedMalformed === 50);
    const warnings = lines.map((line) => JSON.parse(line)).filter((line) => line.event === 'bus.message_malformed');
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).not.toContain('garbage');
  });
});
