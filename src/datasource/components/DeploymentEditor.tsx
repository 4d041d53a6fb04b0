import type { GrafanaTheme2 } from '@grafana/data';
import { Field, IconButton, Input, RadioButtonGroup, SecretTextArea, Stack, TextArea, useStyles2 } from '@grafana/ui';
import { css } from '@emotion/css';
import React from 'react';
import { ABI_VARIANTS, validateDeployment, type AbiVariant, type DeploymentSettings } from '../../query';
import { INPUT_WIDTH, NumberInput } from './fields';

export interface RpcUrlsState {
  /** Grafana holds a saved value (the browser never sees it). */
  configured: boolean;
  /** Text typed since the last save, if any. */
  value: string;
}

interface Props {
  deployment: DeploymentSettings;
  rpcUrls: RpcUrlsState;
  /** RPC URLs as the validation sees them: undefined while a saved value is kept. */
  rpcUrlList: string[] | undefined;
  index: number;
  count: number;
  onChange: (deployment: DeploymentSettings) => void;
  onRpcUrlsChange: (value: string) => void;
  onRpcUrlsReset: () => void;
  onMove: (offset: -1 | 1) => void;
  onRemove: () => void;
}

const ABI_OPTIONS = ABI_VARIANTS.map((variant) => ({
  label: variant.label,
  value: variant.value,
  description: variant.description,
}));

export function DeploymentEditor(props: Props) {
  const { deployment, rpcUrls, rpcUrlList, index, count, onChange, onMove, onRemove } = props;
  const styles = useStyles2(getStyles);
  const errors = validateDeployment(deployment, rpcUrlList);
  const set = (patch: Partial<DeploymentSettings>) => onChange({ ...deployment, ...patch });
  const id = (field: string) => `${field}-${deployment.id}`;
  const title = deployment.name || `Deployment ${index + 1}`;

  return (
    <section className={styles.card} aria-label={`Deployment ${title}`}>
      <Stack direction="row" justifyContent="space-between" alignItems="center">
        <h4 className={styles.title}>{title}</h4>
        <Stack direction="row" gap={0.5}>
          <IconButton name="arrow-up" tooltip="Move up" disabled={index === 0} onClick={() => onMove(-1)} />
          <IconButton name="arrow-down" tooltip="Move down" disabled={index === count - 1} onClick={() => onMove(1)} />
          <IconButton name="trash-alt" tooltip="Remove deployment" onClick={onRemove} />
        </Stack>
      </Stack>
      <Field
        label="Name"
        description="Becomes the chain label on every frame and alert; name it after the rollup, e.g. optimism."
        invalid={!!errors.name}
        error={errors.name}
        required
      >
        <Input
          id={id('name')}
          width={INPUT_WIDTH}
          value={deployment.name}
          placeholder="optimism"
          onChange={(e) => set({ name: e.currentTarget.value })}
        />
      </Field>
      <Field
        label="Chain id"
        description="The RPC must report this chain id, or the deployment is reported down."
        invalid={!!errors.chainId}
        error={errors.chainId}
      >
        <NumberInput
          id={id('chainId')}
          width={20}
          value={deployment.chainId}
          onChange={(chainId) => set({ chainId })}
        />
      </Field>
      <Field
        label="RPC URLs"
        description="One per line, primary first; the others are fallbacks. Stored encrypted: they often carry API keys and are never sent back to the browser."
        invalid={!!errors.rpcUrls}
        error={errors.rpcUrls}
        required
      >
        <SecretTextArea
          id={id('rpcUrls')}
          aria-label="RPC URLs"
          cols={60}
          rows={3}
          isConfigured={rpcUrls.configured}
          value={rpcUrls.value}
          placeholder={'https://mainnet.example/v3/<key>\nhttps://fallback.example'}
          onChange={(e) => props.onRpcUrlsChange(e.currentTarget.value)}
          onReset={props.onRpcUrlsReset}
        />
      </Field>
      <Field
        label="Contract address"
        description="The Tesseract contract, checksummed (EIP-55) as block explorers show it."
        invalid={!!errors.contract}
        error={errors.contract}
        required
      >
        <Input
          id={id('contract')}
          width={INPUT_WIDTH}
          value={deployment.contract}
          placeholder="0x…"
          onChange={(e) => set({ contract: e.currentTarget.value.trim() })}
        />
      </Field>
      <Field
        label="ABI"
        description="Which contract interface the deployment has; decides the events, states and health checks."
        invalid={!!errors.abi}
        error={errors.abi}
      >
        <RadioButtonGroup
          options={ABI_OPTIONS}
          value={deployment.abi}
          onChange={(abi: AbiVariant) =>
            set({ abi, customAbi: abi === 'custom' ? (deployment.customAbi ?? '') : undefined })
          }
        />
      </Field>
      {deployment.abi === 'custom' && (
        <Field
          label="Custom ABI JSON"
          description="The JSON ABI of the deployed contract (a build artifact with an abi key works too). It must declare TransactionBuffered, TransactionReady and TransactionFailed."
          invalid={!!errors.customAbi}
          error={errors.customAbi}
        >
          <TextArea
            id={id('customAbi')}
            className={styles.code}
            rows={8}
            value={deployment.customAbi ?? ''}
            placeholder='[{"type":"event","name":"TransactionBuffered", …}]'
            onChange={(e) => set({ customAbi: e.currentTarget.value })}
          />
        </Field>
      )}
      <Stack direction="row" gap={2} wrap="wrap">
        <Field
          label="Start block"
          description="The deploy block; earlier blocks are not read."
          invalid={!!errors.startBlock}
          error={errors.startBlock}
        >
          <NumberInput
            id={id('startBlock')}
            width={20}
            value={deployment.startBlock}
            onChange={(startBlock) => set({ startBlock })}
          />
        </Field>
        <Field
          label="Confirmations"
          description="Newer blocks are re-checked for reorgs."
          invalid={!!errors.confirmations}
          error={errors.confirmations}
        >
          <NumberInput
            id={id('confirmations')}
            width={20}
            value={deployment.confirmations}
            onChange={(confirmations) => set({ confirmations })}
          />
        </Field>
        <Field
          label="Max block range"
          description="Largest eth_getLogs span (split on refusal)."
          invalid={!!errors.maxBlockRange}
          error={errors.maxBlockRange}
        >
          <NumberInput
            id={id('maxBlockRange')}
            width={20}
            value={deployment.maxBlockRange}
            onChange={(maxBlockRange) => set({ maxBlockRange })}
          />
        </Field>
      </Stack>
      <Field
        label="Operator (optional)"
        description="An authorized operator, used as sender of the buffer_transaction dry run that tells whether the contract accepts transactions. Defaults to owner()."
        invalid={!!errors.operator}
        error={errors.operator}
      >
        <Input
          id={id('operator')}
          width={INPUT_WIDTH}
          value={deployment.operator ?? ''}
          placeholder="0x… (owner() when empty)"
          onChange={(e) => set({ operator: e.currentTarget.value.trim() || undefined })}
        />
      </Field>
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
    marginBottom: theme.spacing(2),
    background: theme.colors.background.secondary,
  }),
  title: css({ margin: theme.spacing(0, 0, 1) }),
  code: css({ fontFamily: theme.typography.fontFamilyMonospace }),
});
