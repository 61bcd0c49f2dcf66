// The store contract on the memory store.
import { memoryHarness, storeContract } from '../src/testing/index.js';

storeContract('memory', memoryHarness());
