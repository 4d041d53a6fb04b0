import { createDataSource } from './instance';
import { runPlugin } from './grafana';
import { configureHeap } from './heap';

// Entry point of the plugin executable that Grafana starts (see src/backend/grafana/README.md).
configureHeap();
void runPlugin({ createInstance: createDataSource });
