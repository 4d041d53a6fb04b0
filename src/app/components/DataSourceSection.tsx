import { locationUtil, type DataSourceInstanceSettings } from '@grafana/data';
import { Alert, LinkButton, LoadingPlaceholder, Stack, Text } from '@grafana/ui';
import React, { type ReactNode } from 'react';
import type { QueryAnswer } from '../api';
import type { AsyncState } from '../useAsync';

interface Props {
  dataSource: DataSourceInstanceSettings;
  label: string;
  state: AsyncState<QueryAnswer>;
  loadingText: string;
  /** The Tesseract dashboard showing the same data source (and deployment or tx_id). */
  dashboard: string;
  /** Renders the frames once the answer is in; query errors are shown above them. */
  children: (answer: QueryAnswer) => ReactNode;
}

/** One data source's part of an app page: its name, then loading, the request error, or the answer. */
export function DataSourceSection({ dataSource, label, state, loadingText, dashboard, children }: Props) {
  return (
    <section aria-label={label}>
      <Stack direction="column" gap={1}>
        <Stack direction="row" alignItems="center" gap={2}>
          <Text element="h3">{dataSource.name}</Text>
          <LinkButton
            size="sm"
            variant="secondary"
            fill="text"
            icon="apps"
            href={locationUtil.assureBaseUrl(dashboard)}
          >
            Dashboard
          </LinkButton>
        </Stack>
        {state.loading && <LoadingPlaceholder text={loadingText} />}
        {'error' in state && <Alert severity="error" title={`Could not query ${dataSource.name}: ${state.error}`} />}
        {'value' in state && (
          <>
            {state.value.errors.map((error) => (
              <Alert key={error} severity="error" title={error} />
            ))}
            {children(state.value)}
          </>
        )}
      </Stack>
    </section>
  );
}
