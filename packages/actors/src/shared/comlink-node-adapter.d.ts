// comlink ships its Node adapter as dist/esm/node-adapter.mjs with types in node-adapter.d.ts (no
// .d.mts), so TypeScript cannot pair them by itself: this gives the .mjs the types comlink wrote.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  const nodeEndpoint: typeof import('comlink/dist/esm/node-adapter.js').default;
  export default nodeEndpoint;
}
