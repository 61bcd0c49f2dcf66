/** The version of @weft/bullmq (workers report it in the registry). */
export const VERSION = '0.1.0';
