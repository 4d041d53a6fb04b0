import { useEffect, useState } from 'react';
import { errorMessage } from '../query';

type Settled<T> = { loading: false; value: T } | { loading: false; error: string };

export type AsyncState<T> = { loading: true } | Settled<T>;

/** Runs `load` whenever `key` changes; until its answer arrives the state is loading, and a late answer for an older key is dropped. */
export function useAsync<T>(load: () => Promise<T>, key: string): AsyncState<T> {
  const [settled, setSettled] = useState<{ key: string; state: Settled<T> }>();
  useEffect(() => {
    let current = true;
    load().then(
      (value) => current && setSettled({ key, state: { loading: false, value } }),
      (error: unknown) => current && setSettled({ key, state: { loading: false, error: errorMessage(error) } })
    );
    return () => {
      current = false;
    };
    // `key` names everything `load` depends on.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return settled?.key === key ? settled.state : { loading: true };
}
