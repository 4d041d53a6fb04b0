import React from 'react';
import type { DeploymentSettings, TesseractQuery } from '../../query';
import { DeploymentsField } from './fields';
import { CallEditor } from './kinds/CallEditor';
import { EventsEditor } from './kinds/EventsEditor';
import { HealthEditor } from './kinds/HealthEditor';
import { MetricsEditor } from './kinds/MetricsEditor';
import { TransactionEditor } from './kinds/TransactionEditor';
import { VariablesEditor } from './kinds/VariablesEditor';

interface Props {
  query: TesseractQuery;
  deployments: DeploymentSettings[];
  onChange: (query: TesseractQuery) => void;
  onRunQuery: () => void;
  tableOnly?: boolean;
}

/** The deployments picker every kind shares, then the editor of the query's kind. */
export function KindEditor(props: Props) {
  const { query, deployments, onChange, onRunQuery } = props;
  return (
    <>
      <DeploymentsField
        deployments={deployments}
        value={query.deployments}
        onChange={(value) => {
          onChange({ ...query, deployments: value });
          onRunQuery();
        }}
      />
      <EditorOfKind {...props} />
    </>
  );
}

function EditorOfKind({ query, ...rest }: Props) {
  switch (query.queryType) {
    case 'health':
      return <HealthEditor query={query} {...rest} />;
    case 'events':
      return <EventsEditor query={query} {...rest} />;
    case 'metrics':
      return <MetricsEditor query={query} {...rest} />;
    case 'transaction':
      return <TransactionEditor query={query} {...rest} />;
    case 'call':
      return <CallEditor query={query} {...rest} />;
    case 'variables':
      return <VariablesEditor query={query} {...rest} />;
  }
}
