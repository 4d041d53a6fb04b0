import type { DeploymentSettings, TesseractQuery } from '../../../query';

/** Props of the editor of one query kind. */
export interface KindEditorProps<Q extends TesseractQuery> {
  query: Q;
  deployments: DeploymentSettings[];
  onChange: (query: Q) => void;
  /** Runs the query; editors call it after a pick and when a text field loses focus. */
  onRunQuery: () => void;
  /** Annotations read events as a table: no format switch is offered. */
  tableOnly?: boolean;
}

/** Applies a change; runs the query too unless the change comes from typing. */
export function changer<Q extends TesseractQuery>({ query, onChange, onRunQuery }: KindEditorProps<Q>) {
  return (patch: Partial<Q>, run = true) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };
}
