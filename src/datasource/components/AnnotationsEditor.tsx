import type { QueryEditorProps } from '@grafana/data';
import React from 'react';
import { normalizeQuery, type EventsQuery, type TesseractQuery } from '../../query';
import { ANNOTATION_EVENTS } from '../annotations';
import type { DataSource } from '../datasource';
import { QueryErrors } from './fields';
import { KindEditor } from './KindEditor';
import type { TesseractOptions } from '../types';

type Props = QueryEditorProps<DataSource, TesseractQuery, TesseractOptions>;

/** Annotations are events queries: failures and pauses by default, narrowed like any events query. */
export function AnnotationsEditor({ query, onChange, datasource, onRunQuery }: Props) {
  const normalized = normalizeQuery(query);
  const events: EventsQuery =
    normalized.queryType === 'events'
      ? normalized
      : ({
          ...normalizeQuery({ refId: query.refId, queryType: 'events' }),
          eventNames: [...ANNOTATION_EVENTS],
        } as EventsQuery);
  return (
    <>
      <KindEditor
        query={events}
        deployments={datasource.deployments}
        onChange={onChange}
        onRunQuery={onRunQuery ?? (() => {})}
        tableOnly
      />
      <QueryErrors query={events} />
    </>
  );
}
