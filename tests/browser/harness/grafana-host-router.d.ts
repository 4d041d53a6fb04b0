// The harness build resolves this to router-v5.tsx or router-v6.tsx, by the Grafana version it bundles.
declare module 'grafana-host-router' {
  import type { ReactNode } from 'react';

  export function GrafanaRouter(props: { children: ReactNode }): ReactNode;
}
