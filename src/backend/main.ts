import { createDataSource } from './instance';
import { runPlugin } from './grafana';
import { enableHeapTrimming } from './heap';

// Entry point of the plugin executable that Grafana starts (see src/backend/grafana/README.md).
enableHeapTrimming();
void runPlugin({ createInstance: createDataSource });
