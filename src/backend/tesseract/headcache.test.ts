/** @jest-environment node */
import { HeadCache } from './headcache';

describe('HeadCache', () => {
  it('keeps answers while the head hash stays and forgets them all when it changes', () => {
    const cache = new HeadCache<string>(10);
    cache.set('0xaa', 'owner()', 'alice');
    expect(cache.get('0xaa', 'owner()')).toBe('alice');
    expect(cache.get('0xbb', 'owner()')).toBeUndefined();
    expect(cache.size).toBe(0);
    // An answer to the old head arriving late does not touch the new head's answers.
    cache.set('0xbb', 'owner()', 'bob');
    cache.delete('0xaa', 'owner()');
    expect(cache.get('0xbb', 'owner()')).toBe('bob');
  });

  it('drops the least recently used answer past its size', () => {
    const cache = new HeadCache<number>(2);
    cache.set('0xaa', 'a', 1);
    cache.set('0xaa', 'b', 2);
    expect(cache.get('0xaa', 'a')).toBe(1); // a is now more recent than b
    cache.set('0xaa', 'c', 3);
    expect([cache.get('0xaa', 'a'), cache.get('0xaa', 'b'), cache.get('0xaa', 'c')]).toEqual([1, undefined, 3]);
  });
});
