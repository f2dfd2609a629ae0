import { describe, expect, it } from 'vitest';
import { mapWithLimit } from './pool.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('mapWithLimit', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 3],
    [10, 5],
  ])('limit %i over 5 items runs at most %i at once and keeps the order', async (limit, peak) => {
    let running = 0;
    let highest = 0;
    const out = await mapWithLimit([5, 4, 3, 2, 1], limit, async (n, i) => {
      running++;
      highest = Math.max(highest, running);
      await tick();
      running--;
      return `${i}:${n}`;
    });
    expect(out).toEqual(['0:5', '1:4', '2:3', '3:2', '4:1']);
    expect(highest).toBe(peak);
  });

  it('no items is no calls; a rejection rejects the whole', async () => {
    expect(await mapWithLimit([], 4, async () => 1)).toEqual([]);
    await expect(
      mapWithLimit([1, 2], 2, async (n) => {
        if (n === 2) throw new Error('two');
        return n;
      }),
    ).rejects.toThrow('two');
  });
});
