import { describe, expect, it } from 'vitest';
import { isWeftError, type SerializedError } from '@weft/core';
import { PROTOCOL_VERSION, resolveWorkersOptions } from '../dist/index.js';
import { FrameReader, FrameWriter } from '../dist/codec/frame.js';

type Msg = { type: 'a'; n: number } | { type: 'b'; s: string; bytes?: Uint8Array };

/** Writes frames into an array instead of a port. */
function capture(): { writer: FrameWriter<Msg>; posted: { data: unknown; transfer: ArrayBuffer[] }[] } {
  const posted: { data: unknown; transfer: ArrayBuffer[] }[] = [];
  return { writer: new FrameWriter<Msg>((data, transfer) => posted.push({ data, transfer })), posted };
}

describe('frames', () => {
  it('packs several messages into one exact-length, versioned, transferable buffer', () => {
    const { writer, posted } = capture();
    writer.add({ type: 'a', n: 1 });
    writer.add({ type: 'b', s: 'two', bytes: new Uint8Array([1, 2]) });
    writer.flush();
    expect(posted).toHaveLength(1);
    const frame = posted[0]!.data as Uint8Array;
    expect(frame[0]).toBe(PROTOCOL_VERSION);
    // The frame owns exactly its bytes (never msgpackr's whole internal buffer) and is transferred.
    expect(frame.byteOffset).toBe(0);
    expect(frame.buffer.byteLength).toBe(frame.length);
    expect(posted[0]!.transfer).toEqual([frame.buffer]);
    const got: Msg[] = [];
    new FrameReader<Msg>().read(frame, (m) => got.push(m));
    expect(got).toEqual([
      { type: 'a', n: 1 },
      { type: 'b', s: 'two', bytes: new Uint8Array([1, 2]) },
    ]);
  });

  it('refuses a frame of another protocol version with PROTOCOL_ERROR', () => {
    const { writer, posted } = capture();
    writer.add({ type: 'a', n: 1 });
    writer.flush();
    const frame = posted[0]!.data as Uint8Array;
    frame[0] = PROTOCOL_VERSION + 1;
    let error: unknown;
    try {
      new FrameReader<Msg>().read(frame, () => undefined);
    } catch (e) {
      error = e;
    }
    expect(isWeftError(error) && error.code).toBe('PROTOCOL_ERROR');
  });

  it('refuses a function at encoding time, leaving the frame intact', () => {
    const { writer, posted } = capture();
    writer.add({ type: 'a', n: 1 });
    expect(() => writer.add({ type: 'b', s: (() => 'x') as unknown as string })).toThrow();
    writer.flush();
    const got: Msg[] = [];
    new FrameReader<Msg>().read(posted[0]!.data, (m) => got.push(m));
    expect(got).toEqual([{ type: 'a', n: 1 }]);
  });
});

describe('options', () => {
  it('fills defaults and folds maxOldGenerationSizeMb into resourceLimits', () => {
    const o = resolveWorkersOptions({ threads: 3, maxOldGenerationSizeMb: 64 });
    expect(o).toMatchObject({
      threads: 3,
      cancelGraceMs: 1000,
      tokenBatch: 4096,
      tokenCredit: 32_768,
      resourceLimits: { maxOldGenerationSizeMb: 64 },
    });
  });

  it.each([
    [{ chunkSize: 0 }, /chunkSize must be an integer ≥ 1/],
    [{ tokenFlushMs: -1 }, /tokenFlushMs must be a number ≥ 0/],
    [{ resourceLimits: 5 }, /resourceLimits must be an object/],
    [{ onWorkerExit: 'x' }, /onWorkerExit must be a function/],
    [{ thread: 2 }, /unknown workers option\(s\) "thread"/],
  ])('refuses %j', (raw, message) => {
    expect(() => resolveWorkersOptions(raw)).toThrow(message);
  });
});

describe('wire form', async () => {
  const { decodeHostToWorker, decodeWorkerToHost, encodeHostToWorker, encodeWorkerToHost } =
    await import('../dist/protocol/wire.js');
  type H = Parameters<typeof encodeHostToWorker>[0];
  type W = Parameters<typeof encodeWorkerToHost>[0];
  const ref = { module: 'file:///m.js', pipeline: 'p', export: 'step' };
  const error: SerializedError = {
    name: 'WeftError',
    code: 'STEP_FAILED',
    message: 'no',
    retryable: false,
    data: {},
  };

  /** Through the frame codec with the wire conversion, as the ports do. */
  function roundTrip<M>(messages: M[], encode: (m: M) => unknown, decode: (w: unknown) => M): M[] {
    const posted: unknown[] = [];
    const writer = new FrameWriter<M>((data) => posted.push(data), encode);
    for (const m of messages) writer.add(m);
    writer.flush();
    const got: M[] = [];
    new FrameReader<M>(decode).read(posted[0], (m) => got.push(m));
    return got;
  }

  it('carries every host → worker message and optional field unchanged', () => {
    const messages: H[] = [
      {
        type: 'run',
        id: 1,
        slot: 0,
        job: {
          kind: 'step',
          ref,
          runId: 'r',
          path: [],
          node: 'a',
          attempt: 1,
          state: { n: 1 },
          params: {},
          input: { x: [1, 2] },
        },
      },
      {
        type: 'run',
        id: 2,
        slot: 1,
        job: {
          kind: 'step',
          ref: { module: 'file:///m.js', export: 'fn' },
          runId: 'r',
          path: ['sub'],
          node: 'b',
          attempt: 2,
          params: { k: 'v' },
          resume: { value: 'yes' },
          lastCheckpoint: 7,
          input: undefined,
        },
      },
      {
        type: 'run',
        id: 3,
        slot: 2,
        job: {
          kind: 'items',
          ref,
          runId: 'r',
          path: [],
          node: 'm',
          attempt: 1,
          state: null,
          params: {},
          items: ['a', 'b'],
          indices: [4, 5],
          attempts: [1, 3],
        },
      },
      { type: 'cancel', id: 1, reason: error },
      { type: 'teardown' },
    ];
    expect(roundTrip(messages, encodeHostToWorker, decodeHostToWorker)).toEqual(messages);
  });

  it('carries every worker → host message, item failures among successes included', () => {
    const messages: W[] = [
      { type: 'ready', worker: 3 },
      { type: 'tokens', id: 1, tokens: ['a', { t: 1 }] },
      { type: 'checkpoint', id: 1, value: { line: 10 } },
      {
        type: 'items',
        id: 2,
        indices: [0, 1, 2],
        outcomes: [
          { ok: true, value: 1 },
          { ok: false, error },
          { ok: true, value: null },
        ],
      },
      { type: 'items', id: 2, indices: [3], outcomes: [{ ok: true, value: { deep: [1] } }] },
      { type: 'done', id: 1, outcome: { ok: true, value: [1, 2] }, us: 12.5 },
      { type: 'done', id: 2, outcome: { ok: false, error } },
      { type: 'closed', errors: [error] },
    ];
    expect(roundTrip(messages, encodeWorkerToHost, decodeWorkerToHost)).toEqual(messages);
  });

  it('refuses a wire message it does not know with PROTOCOL_ERROR', () => {
    for (const junk of [{ type: 'run' }, [99, 1], 'x']) {
      let e: unknown;
      try {
        decodeWorkerToHost(junk);
      } catch (caught) {
        e = caught;
      }
      expect(isWeftError(e) && e.code).toBe('PROTOCOL_ERROR');
    }
  });
});
