import type { AppRootProps } from '@grafana/data';
import React from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { ROUTES } from './constants';
import { AlertingSetup } from './pages/AlertingSetup';
import { Overview } from './pages/Overview';
import { TransactionExplorer } from './pages/TransactionExplorer';

/** Grafana mounts the app under /a/<app id>/; the routes here are relative to that. */
export function App(_props: AppRootProps) {
  return (
    <Routes>
      <Route path={ROUTES.overview} element={<Overview />} />
      <Route path={ROUTES.transactions} element={<TransactionExplorer />} />
      <Route path={ROUTES.alerting} element={<AlertingSetup />} />
      <Route path="*" element={<Navigate to={ROUTES.overview} replace />} />
    </Routes>
  );
}
