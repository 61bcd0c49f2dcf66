// The store contract on the SQLite store.
import { sqliteHarness, storeContract } from '../src/testing/index.js';

storeContract('sqlite', sqliteHarness());
