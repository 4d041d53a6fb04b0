import type { Logger } from './logger';
import type { DataSourceInstance, InstanceFactory, InstanceSettings } from './types';

interface Entry {
  lastUpdatedMS: number;
  instance: Promise<DataSourceInstance>;
}

/**
 * One instance per data source uid, recreated when the settings' lastUpdatedMS changes; the replaced
 * instance is disposed once the new one exists.
 */
export class InstanceManager {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly factory: InstanceFactory,
    private readonly logger: Logger
  ) {}

  get(settings: InstanceSettings): Promise<DataSourceInstance> {
    const current = this.entries.get(settings.uid);
    if (current && current.lastUpdatedMS === settings.lastUpdatedMS) {
      return current.instance;
    }
    const logger = this.logger.with({ datasource_uid: settings.uid });
    const instance = Promise.resolve().then(() => this.factory(settings, logger));
    const entry: Entry = { lastUpdatedMS: settings.lastUpdatedMS, instance };
    this.entries.set(settings.uid, entry);
    // A factory that throws must not stay cached: the next request tries again.
    instance.catch(() => {
      if (this.entries.get(settings.uid) === entry) {
        this.entries.delete(settings.uid);
      }
    });
    if (current) {
      logger.info('Data source settings changed, replacing instance', {
        previous_version: current.lastUpdatedMS,
        version: settings.lastUpdatedMS,
      });
      void this.disposeEntry(current);
    }
    return instance;
  }

  get size(): number {
    return this.entries.size;
  }

  async disposeAll(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((entry) => this.disposeEntry(entry)));
  }

  private async disposeEntry(entry: Entry): Promise<void> {
    try {
      const instance = await entry.instance;
      await instance.dispose();
    } catch (error) {
      this.logger.warn('Disposing a data source instance failed', { error });
    }
  }
}
