import { createDataSource } from './datasource';
import { runPlugin } from './grafana';

// Entry point of the plugin executable that Grafana starts (see src/backend/grafana/README.md).
void runPlugin({ createInstance: createDataSource });
