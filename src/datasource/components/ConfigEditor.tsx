import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { css } from '@emotion/css';
import { Alert, Button, Stack, useStyles2 } from '@grafana/ui';
import React from 'react';
import {
  INDEX_STORE_POSTGRES_URL_KEY,
  newDeployment,
  parseRpcUrls,
  rpcUrlsKey,
  validateSettings,
  withDeploymentDefaults,
  type DeploymentSettings,
} from '../../query';
import type { TesseractOptions } from '../types';
import { DeploymentEditor } from './DeploymentEditor';
import { IndexStoreEditor } from './IndexStoreEditor';

/** secureJsonData: RPC URLs keyed by deployment id (write-only; Grafana returns only secureJsonFields). */
type SecureJsonData = Record<string, string>;

type Props = DataSourcePluginOptionsEditorProps<TesseractOptions, SecureJsonData>;

/** An id that never changes once created: it keys the deployment's secure RPC URLs. */
export function newDeploymentId(existing: DeploymentSettings[]): string {
  const taken = new Set(existing.map((deployment) => deployment.id));
  let id: string;
  do {
    id = `d-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  } while (taken.has(id));
  return id;
}

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const styles = useStyles2(getStyles);
  // A provisioned deployment may leave out the documented defaults: show (and save) them filled in.
  const deployments = (options.jsonData.deployments ?? []).map(withDeploymentDefaults);
  const secureFields = options.secureJsonFields ?? {};
  const secureData: SecureJsonData = options.secureJsonData ?? {};
  const settingsErrors = deployments.length > 0 ? validateSettings(options.jsonData).errors : [];

  const setDeployments = (next: DeploymentSettings[]) =>
    onOptionsChange({ ...options, jsonData: { ...options.jsonData, deployments: next } });

  const setRpcUrls = (id: string, value: string) =>
    onOptionsChange({ ...options, secureJsonData: { ...secureData, [rpcUrlsKey(id)]: value } });

  // Grafana's reset convention: the flag goes false and an empty value replaces the stored one on save.
  const resetRpcUrls = (id: string, next = options) =>
    onOptionsChange({
      ...next,
      secureJsonFields: { ...secureFields, [rpcUrlsKey(id)]: false },
      secureJsonData: { ...secureData, [rpcUrlsKey(id)]: '' },
    });

  const update = (index: number, deployment: DeploymentSettings) =>
    setDeployments(deployments.map((current, i) => (i === index ? deployment : current)));

  const move = (index: number, offset: -1 | 1) => {
    const next = [...deployments];
    [next[index], next[index + offset]] = [next[index + offset], next[index]];
    setDeployments(next);
  };

  const remove = (index: number) => {
    const removed = deployments[index];
    const next = deployments.filter((_, i) => i !== index);
    resetRpcUrls(removed.id, { ...options, jsonData: { ...options.jsonData, deployments: next } });
  };

  const add = () => setDeployments([...deployments, newDeployment(newDeploymentId(deployments))]);

  // Provisioned data sources are read-only: a disabled fieldset disables every control inside it.
  return (
    <fieldset disabled={options.readOnly} className={styles.fieldset}>
      <Stack direction="column" gap={1}>
        <Alert severity="info" title="Deployments">
          Each deployment is one Tesseract contract on one chain. Every frame and alert carries its name as the{' '}
          <code>chain</code> label, so one alert rule fires once per deployment.
        </Alert>
        {deployments.length === 0 && (
          <Alert severity="warning" title="No deployments yet">
            Add the first deployment: its RPC URL and contract address are enough to start.
          </Alert>
        )}
        {settingsErrors.map((error) => (
          <Alert key={error} severity="error" title={error} />
        ))}
        {deployments.map((deployment, index) => {
          const key = rpcUrlsKey(deployment.id);
          const configured = secureFields[key] === true;
          const value = secureData[key] ?? '';
          return (
            <DeploymentEditor
              key={deployment.id}
              deployment={deployment}
              index={index}
              count={deployments.length}
              rpcUrls={{ configured, value }}
              rpcUrlList={configured ? undefined : parseRpcUrls(value)}
              onChange={(next) => update(index, next)}
              onRpcUrlsChange={(text) => setRpcUrls(deployment.id, text)}
              onRpcUrlsReset={() => resetRpcUrls(deployment.id)}
              onMove={(offset) => move(index, offset)}
              onRemove={() => remove(index)}
            />
          );
        })}
        <div>
          <Button icon="plus" variant="secondary" onClick={add}>
            Add deployment
          </Button>
        </div>
        <IndexStoreEditor
          store={options.jsonData.indexStore ?? {}}
          postgresUrlConfigured={secureFields[INDEX_STORE_POSTGRES_URL_KEY] === true}
          postgresUrl={secureData[INDEX_STORE_POSTGRES_URL_KEY] ?? ''}
          onChange={(indexStore) => onOptionsChange({ ...options, jsonData: { ...options.jsonData, indexStore } })}
          onPostgresUrlChange={(url) =>
            onOptionsChange({ ...options, secureJsonData: { ...secureData, [INDEX_STORE_POSTGRES_URL_KEY]: url } })
          }
          onPostgresUrlReset={() =>
            onOptionsChange({
              ...options,
              secureJsonFields: { ...secureFields, [INDEX_STORE_POSTGRES_URL_KEY]: false },
              secureJsonData: { ...secureData, [INDEX_STORE_POSTGRES_URL_KEY]: '' },
            })
          }
        />
      </Stack>
    </fieldset>
  );
}

const getStyles = () => ({
  fieldset: css({ border: 'none', margin: 0, padding: 0, minWidth: 0 }),
});
