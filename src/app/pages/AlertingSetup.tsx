import {
  FieldType,
  locationUtil,
  toDataFrame,
  type DataSourceInstanceSettings,
  type SelectableValue,
} from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Button,
  Checkbox,
  Field,
  Input,
  LinkButton,
  LoadingPlaceholder,
  Select,
  Stack,
  Text,
} from '@grafana/ui';
import React, { useState } from 'react';
import type { TesseractOptions } from '../../datasource/types';
import { TESSERACT_CONTACT_POINTS, type EmbeddedContactPoint } from '../../alerting';
import {
  FEEDS,
  planRules,
  RULE_GROUP,
  RULE_GROUP_INTERVAL_SECONDS,
  type Feed,
  type PlannedRule,
} from '../alertingPlan';
import { tesseractDataSources } from '../api';
import { FrameTable } from '../components/FrameTable';
import { NewContactPoints } from '../components/NewContactPoints';
import { NoDataSource } from '../components/NoDataSource';
import {
  applyAlertRules,
  createFolder,
  listAlertRules,
  listContactPoints,
  listFolders,
  type ApplyReport,
  type Folder,
} from '../provisioning';
import { useAsync } from '../useAsync';

const FEED_TEXT: Record<Feed, { label: string; description: string }> = {
  critical: {
    label: 'Critical alerts',
    description: 'Node disconnected, high failure rate, contract paused, circuit breaker: someone should be paged.',
  },
  warning: {
    label: 'Warning alerts',
    description:
      'Slow resolution, low throughput or success rate, stale head, overdue or silently failed transactions.',
  },
  failures: {
    label: 'Failed transactions',
    description: 'One message per TransactionFailed, with its tx_id and reason; no resolved message.',
  },
};

const DEFAULT_FOLDER_TITLE = 'Tesseract';

interface ListState<T> {
  items: T[];
  loading: boolean;
  error?: string;
}

/** A list read from Grafana; while it is read again, the previous answer stays, so selections do not flicker. */
function useList<T>(load: () => Promise<T[]>, key: string): ListState<T> {
  const state = useAsync(load, key);
  const [previous, setPrevious] = useState<T[]>([]);
  const value = 'value' in state ? state.value : undefined;
  if (value && value !== previous) {
    setPrevious(value);
  }
  return { items: value ?? previous, loading: state.loading, error: 'error' in state ? state.error : undefined };
}

/** Contact points by name, with the integration types each bundles. */
function contactPointOptions(integrations: EmbeddedContactPoint[]): Array<SelectableValue<string>> {
  const types = new Map<string, string[]>();
  for (const integration of integrations) {
    types.set(integration.name, [...(types.get(integration.name) ?? []), integration.type]);
  }
  return [...types].map(([name, kinds]) => ({ label: name, value: name, description: kinds.join(', ') }));
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section aria-label={title}>
      <Stack direction="column" gap={1}>
        <Text element="h3">{title}</Text>
        {children}
      </Stack>
    </section>
  );
}

function Deployments({
  dataSource,
  selected,
  onChange,
}: {
  dataSource: DataSourceInstanceSettings<TesseractOptions>;
  /** Empty: every deployment, including those added later. */
  selected: string[];
  onChange: (selected: string[]) => void;
}) {
  const names = (dataSource.jsonData.deployments ?? []).map((deployment) => deployment.name);
  return (
    <Field
      label="Deployments"
      description="Rules query these deployments; with all of them, deployments added to the data source later are covered without an edit."
    >
      <Stack direction="column" alignItems="flex-start" gap={0.5}>
        <Checkbox
          label="All deployments"
          value={selected.length === 0}
          onChange={(event) => onChange(event.currentTarget.checked ? [] : names)}
        />
        {names.map((name) => (
          <Checkbox
            key={name}
            label={name}
            value={selected.length === 0 || selected.includes(name)}
            disabled={selected.length === 0}
            onChange={(event) =>
              onChange(event.currentTarget.checked ? [...selected, name] : selected.filter((other) => other !== name))
            }
          />
        ))}
      </Stack>
    </Field>
  );
}

function Preview({ planned, existing }: { planned: PlannedRule[]; existing: Set<string> }) {
  const frame = toDataFrame({
    name: 'preview',
    fields: [
      { name: 'Rule', type: FieldType.string, values: planned.map((item) => item.rule.title) },
      {
        name: 'Action',
        type: FieldType.string,
        values: planned.map((item) => (existing.has(item.rule.uid) ? 'update' : 'create')),
      },
      { name: 'Condition', type: FieldType.string, values: planned.map((item) => item.condition) },
      { name: 'Severity', type: FieldType.string, values: planned.map((item) => item.rule.labels.severity) },
      {
        name: 'Contact point',
        type: FieldType.string,
        values: planned.map((item) => item.rule.notification_settings.receiver),
      },
      {
        name: 'No data / error',
        type: FieldType.string,
        values: planned.map((item) => `${item.rule.noDataState} / ${item.rule.execErrState}`),
      },
    ],
  });
  return <FrameTable frame={frame} aria-label="Rules to create or update" />;
}

export function AlertingSetup() {
  const dataSources = tesseractDataSources() as Array<DataSourceInstanceSettings<TesseractOptions>>;
  const [dataSourceUid, setDataSourceUid] = useState<string | undefined>(dataSources[0]?.uid);
  const [deployments, setDeployments] = useState<string[]>([]);
  const [receivers, setReceivers] = useState<Partial<Record<Feed, string>>>({});
  const [creating, setCreating] = useState(false);
  const [folderUid, setFolderUid] = useState<string>();
  const [newFolder, setNewFolder] = useState('');
  const [folderError, setFolderError] = useState<string>();
  // Each list is read again after the page changed it (and the rules after every run).
  const [contactPointsRead, setContactPointsRead] = useState(0);
  const [foldersRead, setFoldersRead] = useState(0);
  const [rulesRead, setRulesRead] = useState(0);
  const [applying, setApplying] = useState(false);
  const [applied, setApplied] = useState<ApplyReport & { folder: string }>();
  const [applyError, setApplyError] = useState<string>();

  const contactPoints = useList(listContactPoints, `contact-points|${contactPointsRead}`);
  const folders = useList(listFolders, `folders|${foldersRead}`);
  const existingRules = useList(async () => (await listAlertRules()).map((rule) => rule.uid), `rules|${rulesRead}`);

  const dataSource = dataSources.find((candidate) => candidate.uid === dataSourceUid);
  const folderList = folders.items;
  const folder: Folder | undefined =
    folderList.find((candidate) => candidate.uid === folderUid) ??
    (folderUid === undefined ? folderList.find((candidate) => candidate.title === DEFAULT_FOLDER_TITLE) : undefined);
  const integrations = contactPoints.items;
  const options = contactPointOptions(integrations);
  const planned =
    dataSource && folder && FEEDS.every((feed) => receivers[feed])
      ? planRules({
          dataSource,
          deployments,
          folderUid: folder.uid,
          receivers: receivers as Record<Feed, string>,
        })
      : [];

  if (dataSources.length === 0) {
    return (
      <PluginPage>
        <NoDataSource />
      </PluginPage>
    );
  }

  const addFolder = async () => {
    setFolderError(undefined);
    try {
      const created = await createFolder(newFolder.trim());
      setNewFolder('');
      setFolderUid(created.uid);
      setFoldersRead((count) => count + 1);
    } catch (error) {
      setFolderError(error instanceof Error ? error.message : String(error));
    }
  };

  const apply = async () => {
    setApplying(true);
    setApplyError(undefined);
    setApplied(undefined);
    try {
      const report = await applyAlertRules(
        planned.map((item) => item.rule),
        { folderUid: folder!.uid, group: RULE_GROUP, intervalSeconds: RULE_GROUP_INTERVAL_SECONDS }
      );
      setApplied({ ...report, folder: folder!.title });
    } catch (error) {
      setApplyError(error instanceof Error ? error.message : String(error));
    } finally {
      setApplying(false);
      setRulesRead((count) => count + 1);
    }
  };

  return (
    <PluginPage>
      <Stack direction="column" gap={3}>
        <Text color="secondary">
          Creates Tesseract&apos;s alert rules in this Grafana as ordinary rules you can edit, routed straight to the
          contact points you choose: your notification policies are not touched. Running it again updates the same
          rules.
        </Text>

        <Section title="1. Data source">
          <Field label="Tesseract data source">
            <Select
              inputId="alerting-datasource"
              width={40}
              options={dataSources.map((candidate) => ({ label: candidate.name, value: candidate.uid }))}
              value={dataSourceUid}
              onChange={(option) => {
                setDataSourceUid(option.value);
                setDeployments([]);
              }}
            />
          </Field>
          {dataSource && <Deployments dataSource={dataSource} selected={deployments} onChange={setDeployments} />}
        </Section>

        <Section title="2. Contact points">
          {contactPoints.loading && integrations.length === 0 && <LoadingPlaceholder text="Loading contact points…" />}
          {contactPoints.error && <Alert severity="error" title={contactPoints.error} />}
          {FEEDS.map((feed) => (
            <Field key={feed} label={FEED_TEXT[feed].label} description={FEED_TEXT[feed].description}>
              <Select
                inputId={`alerting-receiver-${feed}`}
                width={40}
                options={options}
                value={receivers[feed] ?? null}
                placeholder="Choose a contact point"
                onChange={(option) => setReceivers((current) => ({ ...current, [feed]: option.value }))}
              />
            </Field>
          ))}
          {creating ? (
            <NewContactPoints
              existingUids={new Set(integrations.map((integration) => integration.uid))}
              onSaved={(names, complete) => {
                // Tesseract's contact points route the feed they are named after.
                const named = Object.fromEntries(
                  FEEDS.filter((feed) => names.includes(TESSERACT_CONTACT_POINTS[feed])).map((feed) => [
                    feed,
                    TESSERACT_CONTACT_POINTS[feed],
                  ])
                );
                setReceivers((current) => ({ ...current, ...named }));
                setCreating(!complete);
                setContactPointsRead((count) => count + 1);
              }}
              onCancel={() => setCreating(false)}
            />
          ) : (
            <div>
              <Button variant="secondary" icon="plus" onClick={() => setCreating(true)}>
                Create Tesseract contact points
              </Button>
            </div>
          )}
        </Section>

        <Section title="3. Folder">
          {folders.error && <Alert severity="error" title={folders.error} />}
          <Stack direction="row" alignItems="flex-end" gap={1} wrap="wrap">
            <Field label="Folder" description="The rules are created in this folder, in the rule group “tesseract”.">
              <Select
                inputId="alerting-folder"
                width={40}
                isLoading={folders.loading}
                options={folderList.map((candidate) => ({ label: candidate.title, value: candidate.uid }))}
                value={folder?.uid ?? null}
                placeholder="Choose a folder"
                onChange={(option) => setFolderUid(option.value)}
              />
            </Field>
            <Field label="Or a new folder">
              <Input
                id="alerting-new-folder"
                width={30}
                value={newFolder}
                placeholder="Folder name"
                onChange={(event) => setNewFolder(event.currentTarget.value)}
              />
            </Field>
            <Field label="">
              <Button variant="secondary" icon="folder-plus" disabled={newFolder.trim() === ''} onClick={addFolder}>
                Create folder
              </Button>
            </Field>
          </Stack>
          {folderError && <Alert severity="error" title={folderError} />}
        </Section>

        <Section title="4. Preview">
          {planned.length === 0 ? (
            <Text color="secondary">Choose a data source, a contact point for each kind of alert and a folder.</Text>
          ) : (
            <>
              {existingRules.error && <Alert severity="error" title={existingRules.error} />}
              <Preview planned={planned} existing={new Set(existingRules.items)} />
              <Text color="secondary">
                {planned.length} rules in group “{RULE_GROUP}” of folder “{folder!.title}”, evaluated every{' '}
                {RULE_GROUP_INTERVAL_SECONDS} s.
              </Text>
            </>
          )}
          <Stack direction="row" gap={1}>
            <Button icon="bell" disabled={planned.length === 0 || applying} onClick={apply}>
              {applying ? 'Saving rules…' : 'Create or update rules'}
            </Button>
          </Stack>
          {applyError && <Alert severity="error" title={applyError} />}
          {applied && (
            <Alert severity="success" title={`Alert rules saved in folder “${applied.folder}”`}>
              <Stack direction="column" gap={1}>
                <span>
                  Created {applied.created.length}, updated {applied.updated.length}
                  {applied.intervalSet ? `; evaluation interval set to ${RULE_GROUP_INTERVAL_SECONDS} s` : ''}.
                </span>
                <div>
                  <LinkButton size="sm" variant="secondary" href={locationUtil.assureBaseUrl('/alerting/list')}>
                    Open alert rules
                  </LinkButton>
                </div>
              </Stack>
            </Alert>
          )}
        </Section>
      </Stack>
    </PluginPage>
  );
}
