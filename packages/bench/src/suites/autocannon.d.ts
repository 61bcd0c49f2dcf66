// The part of autocannon (a dev dependency, imported when serve-execute runs) that the suite uses.
declare module 'autocannon' {
  const autocannon: (options: Record<string, unknown>) => Promise<unknown>;
  export default autocannon;
}
