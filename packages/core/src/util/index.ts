// Small helpers every package shares (one copy each, here): JSON object check, value display for
// messages, JSON Pointers, "did you mean".
export { didYouMean } from './did-you-mean.js';
export { isObject } from './is-object.js';
export { pointer } from './json-pointer.js';
export { show } from './show.js';
