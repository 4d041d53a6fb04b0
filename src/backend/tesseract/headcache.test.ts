/** @jest-environment node */
import { HeadPart, HeadScope } from './headcache';

const CALLS = new HeadPart<string>('calls', 10);
const STATES = new HeadPart<number>('states', 2);

describe('HeadScope', () => {
  it('keeps answers while the head hash stays and forgets every part when it changes', () => {
    const scope = new HeadScope();
    expect(scope.get(CALLS, '0xaa', 'owner()')).toBeUndefined();
    scope.set(CALLS, '0xaa', 'owner()', 'alice');
    scope.set(STATES, '0xaa', 'tx1', 8);
    expect(scope.get(CALLS, '0xaa', 'owner()')).toBe('alice');
    expect(scope.get(STATES, '0xaa', 'tx1')).toBe(8);
    expect(scope.get(CALLS, '0xbb', 'owner()')).toBeUndefined();
    expect(scope.current).toBe('0xbb');
    expect([scope.size(CALLS), scope.size(STATES)]).toEqual([0, 0]);
  });

  it('drops late answers for a head it has left, and forgets only the answer it was given', () => {
    const scope = new HeadScope();
    scope.enter('0xaa');
    scope.enter('0xbb');
    scope.set(CALLS, '0xaa', 'owner()', 'alice');
    expect(scope.current).toBe('0xbb');
    expect(scope.size(CALLS)).toBe(0);
    scope.set(CALLS, '0xbb', 'owner()', 'bob');
    scope.forget(CALLS, '0xaa', 'owner()', 'bob');
    scope.forget(CALLS, '0xbb', 'owner()', 'alice');
    expect(scope.get(CALLS, '0xbb', 'owner()')).toBe('bob');
    scope.forget(CALLS, '0xbb', 'owner()', 'bob');
    expect(scope.get(CALLS, '0xbb', 'owner()')).toBeUndefined();
  });

  it('drops the least recently used answer of a part past its bound, leaving the other parts', () => {
    const scope = new HeadScope();
    scope.enter('0xaa');
    scope.set(CALLS, '0xaa', 'owner()', 'alice');
    scope.set(STATES, '0xaa', 'a', 1);
    scope.set(STATES, '0xaa', 'b', 2);
    expect(scope.get(STATES, '0xaa', 'a')).toBe(1); // a is now more recent than b
    scope.set(STATES, '0xaa', 'c', 3);
    expect(['a', 'b', 'c'].map((key) => scope.get(STATES, '0xaa', key))).toEqual([1, undefined, 3]);
    expect(scope.get(CALLS, '0xaa', 'owner()')).toBe('alice');
  });

  it('computes a value once for the current head, including an undefined one, and not without a head', () => {
    const scope = new HeadScope();
    const REASONS = new HeadPart<string | undefined>('reasons', 10);
    let decoded = 0;
    const decode = () => {
      decoded++;
      return undefined;
    };
    scope.rememberForHead(REASONS, '0x08c379a0', decode);
    expect(decoded).toBe(1);
    scope.enter('0xaa');
    scope.rememberForHead(REASONS, '0x08c379a0', decode);
    scope.rememberForHead(REASONS, '0x08c379a0', decode);
    expect(decoded).toBe(2);
    scope.enter('0xbb');
    scope.rememberForHead(REASONS, '0x08c379a0', decode);
    expect(decoded).toBe(3);
  });
});
