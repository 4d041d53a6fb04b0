/**
 * The router Grafana 11 renders its pages in: react-router v5 on Grafana's location history, with
 * react-router-dom-v5-compat's CompatRouter giving v6 routes (ours) the same location. @grafana/ui 11's
 * links are v5 `Link`s. Bare imports here resolve from the Grafana runtime's install (build.ts).
 */
import { locationService } from '@grafana/runtime';
import React, { type ReactNode } from 'react';
import { Router } from 'react-router-dom';
import { CompatRouter } from 'react-router-dom-v5-compat';

export function GrafanaRouter({ children }: { children: ReactNode }) {
  return (
    <Router history={locationService.getHistory()}>
      <CompatRouter>{children}</CompatRouter>
    </Router>
  );
}
