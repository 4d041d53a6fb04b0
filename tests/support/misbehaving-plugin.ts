/**
 * A plugin whose data source misbehaves: it prints to stdout/console and fails in the background after
 * answering (an unhandled rejection and an uncaught exception), to prove the SDK's process guards keep the
 * plugin alive and stdout clean. Started by the harness.
 */
import { runPlugin } from '../../src/backend/grafana/plugin';

void runPlugin({
  createInstance: () => ({
    async query() {
      console.log('stray console output');
      console.error('library complaint');
      process.stdout.write('raw stdout write\n');
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
