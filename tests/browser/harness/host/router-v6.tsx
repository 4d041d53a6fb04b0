/**
 * The router Grafana 12.4 and later render their pages in: react-router v6 (react-router-dom-v5-compat)
 * on Grafana's location history; @grafana/ui's links are v6 `Link`s there. Bare imports here resolve
 * from the Grafana runtime's install (build.ts).
 */
import { locationService } from '@grafana/runtime';
import React, { useLayoutEffect, useState, type ReactNode } from 'react';
import { Router } from 'react-router-dom-v5-compat';

export function GrafanaRouter({ children }: { children: ReactNode }) {
  const history = locationService.getHistory();
  const [location, setLocation] = useState(history.location);
  useLayoutEffect(() => history.listen((next) => setLocation(next)), [history]);
  return (
    <Router navigator={history} location={location}>
      {children}
    </Router>
  );
}
