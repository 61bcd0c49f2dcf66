/**
 * Version of the host↔worker protocol. It is the first byte of every frame; a frame of another
 * version is refused with PROTOCOL_ERROR (a worker built from other sources than its host).
 */
export const PROTOCOL_VERSION = 3;
