import React from 'react';
import type { TransactionQuery } from '../../../query';
import { TxIdsField } from '../fields';
import { changer, type KindEditorProps } from './types';

export function TransactionEditor(props: KindEditorProps<TransactionQuery>) {
  const { query } = props;
  const change = changer(props);
  return (
    <TxIdsField
      value={query.txIds}
      tooltip="The tx_ids (bytes32) whose lifecycle to show on every selected deployment: both legs of a cross-rollup transaction. Accepts dashboard variables such as $tx_id."
      onChange={(txIds) => change({ txIds })}
    />
  );
}
