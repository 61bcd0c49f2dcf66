import { describe, expect, it } from 'vitest';
import { isWeftError } from '@weft/core';
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
    expect(got).toEqual([{ type: 'a', n: 1 }, { type: 'b', s: 'two', bytes: new Uint8Array([1, 2]) }]);
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
    expect(o).toMatchObject({ threads: 3, cancelGraceMs: 1000, tokenBatch: 1024, tokenCredit: 32_768, resourceLimits: { maxOldGenerationSizeMb: 64 } });
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
