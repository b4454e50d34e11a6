import { afterAll } from 'vitest';
import { releaseTestResources } from '../../src/testing/index.js';

// A PGlite template keeps its worker alive until it is closed.
afterAll(async () => {
  await releaseTestResources();
});
