/**
 * A plugin whose data source fails in the background after answering (an unhandled rejection and an
 * uncaught exception), to prove the SDK's process guards keep the plugin alive. Started by the harness.
 */
import { runPlugin } from '../../src/backend/grafana/plugin';

void runPlugin({
  createInstance: () => ({
    async query() {
      setTimeout(() => void Promise.reject(new Error('background rejection')), 0);
      setTimeout(() => {
        throw new Error('background exception');
      }, 0);
      return [];
    },
    async checkHealth() {
      return { status: 'OK', message: 'fine' };
    },
    dispose() {},
  }),
});
