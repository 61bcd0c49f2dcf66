import type { MessagePort } from 'node:worker_threads';
import type { Endpoint } from 'comlink';

type Listener = Parameters<Endpoint['addEventListener']>[1];

/** A comlink endpoint over a Node MessagePort (the control plane of one worker). */
export function nodeEndpoint(port: MessagePort): Endpoint {
  const wrapped = new Map<Listener, (data: unknown) => void>();
  const endpoint = {
    postMessage: (message: unknown, transfer?: readonly unknown[]) =>
      port.postMessage(message, transfer as never),
    addEventListener: (_type: string, listener: Listener) => {
      const fn = (data: unknown): void => {
        const event = { data } as never;
        if (typeof listener === 'function') listener(event);
        else (listener as { handleEvent(e: unknown): void }).handleEvent(event);
      };
      wrapped.set(listener, fn);
      port.on('message', fn);
    },
    removeEventListener: (_type: string, listener: Listener) => {
      const fn = wrapped.get(listener);
      if (fn) {
        port.off('message', fn);
        wrapped.delete(listener);
      }
    },
    start: () => port.start(),
  };
  return endpoint;
}
