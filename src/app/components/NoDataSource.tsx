import { locationUtil } from '@grafana/data';
import { EmptyState, LinkButton } from '@grafana/ui';
import React from 'react';
import { DATASOURCE_TYPE } from '../constants';

/** Shown instead of a page when no Tesseract data source exists yet. */
export function NoDataSource() {
  return (
    <EmptyState
      variant="call-to-action"
      message="No Tesseract data source is configured"
      button={
        <LinkButton icon="plus" href={locationUtil.assureBaseUrl(`/connections/datasources/${DATASOURCE_TYPE}`)}>
          Add a Tesseract data source
        </LinkButton>
      }
    >
      Add a data source of type Tesseract with at least one deployment (RPC URL and contract address), or provision one
      from <code>provisioning/datasources</code>.
    </EmptyState>
  );
}
