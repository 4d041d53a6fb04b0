import type { Logger } from './logger';
import type { DataSourceInstance, InstanceFactory, InstanceSettings } from './types';

/** What names one data source in a Grafana: its org and uid (Grafana keeps uids unique within an org only). */
export function dataSourceKey(orgId: number, uid: string): string {
  return `${orgId}/${uid}`;
}

interface Entry {
  lastUpdatedMS: number;
  instance: Promise<DataSourceInstance>;
}

/**
 * One instance per data source (org and uid: Grafana keeps uids unique within an org only), recreated when the settings' lastUpdatedMS changes; the replaced
 * instance is disposed once the new one exists. Like the Go SDK's instancemgmt, the version alone decides:
 * the settings are decoded (their JSON parsed) only when an instance is created, not on every request.
 */
export class InstanceManager {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly factory: InstanceFactory,
    private readonly logger: Logger
  ) {}

  /**
   * The instance of data source `uid` of org `orgId` at version `lastUpdatedMS`; `settings` decodes them when
   * one is created.
   */
  get(
    orgId: number,
    uid: string,
    lastUpdatedMS: number,
    settings: () => InstanceSettings
  ): Promise<DataSourceInstance> {
    const key = dataSourceKey(orgId, uid);
    const current = this.entries.get(key);
    if (current && current.lastUpdatedMS === lastUpdatedMS) {
      return current.instance;
    }
    const logger = this.logger.with({ datasource_uid: uid, org_id: orgId });
    const instance = Promise.resolve().then(() => this.factory(settings(), logger));
    const entry: Entry = { lastUpdatedMS, instance };
    this.entries.set(key, entry);
    // A factory (or settings decoding) that throws must not stay cached: the next request tries again.
    instance.catch(() => {
      if (this.entries.get(key) === entry) {
        this.entries.delete(key);
      }
    });
    if (current) {
      logger.info('Data source settings changed, replacing instance', {
        previous_version: current.lastUpdatedMS,
        version: lastUpdatedMS,
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
