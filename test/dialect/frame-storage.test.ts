/**
 * FrameStorage (src/dialect/frame-storage.ts): the call frames of every connection share one
 * AsyncLocalStorage, and each storage still sees only its own frames, as a storage of its own did.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameStorage } from '../../src/dialect/frame-storage.js';
import type { Frame } from '../../src/dialect/transaction.js';

const frame = (): Frame => ({ transaction: undefined, call: { active: true } });

describe('FrameStorage', () => {
  it('sees the innermost frame of its own runs, across awaits and timers, and none outside', async () => {
    const a = new FrameStorage();
    const b = new FrameStorage();
    const [fa1, fa2, fb] = [frame(), frame(), frame()];
    expect(a.getStore()).toBeUndefined();
    const seen = await a.run(fa1, async () => {
      await null;
      return b.run(fb, async () => {
        const inB = [a.getStore(), b.getStore()];
        const inA2 = await a.run(fa2, async () => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          return [a.getStore(), b.getStore()];
        });
        await null;
        return { inB, inA2, after: [a.getStore(), b.getStore()] };
      });
    });
    expect(seen.inB[0]).toBe(fa1);
    expect(seen.inB[1]).toBe(fb);
    expect(seen.inA2[0]).toBe(fa2);
    expect(seen.inA2[1]).toBe(fb);
    expect(seen.after[0]).toBe(fa1);
    expect(seen.after[1]).toBe(fb);
    expect(a.getStore()).toBeUndefined();
    expect(b.getStore()).toBeUndefined();
  });

  it('agrees with a stack of frames per storage for any nesting of runs', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 30 }), (path) => {
        const storages = Array.from({ length: 4 }, () => new FrameStorage());
        const stacks: Frame[][] = storages.map(() => []);
        const check = () =>
          storages.every((s, i) => s.getStore() === (stacks[i]!.length ? stacks[i]!.at(-1) : undefined));
        const nest = (depth: number): boolean => {
          if (depth === path.length) return check();
          const i = path[depth]!;
          const f = frame();
          stacks[i]!.push(f);
          const ok = storages[i]!.run(f, () => check() && nest(depth + 1) && check());
          stacks[i]!.pop();
          return ok && check();
        };
        return nest(0);
      }),
    );
  });
});
