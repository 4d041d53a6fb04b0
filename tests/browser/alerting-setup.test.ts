/**
 * The Alerting setup page in Chromium, driven by clicks and typing, against a stateful stand-in for
 * Grafana's HTTP API (folders, contact points, alert rules, rule groups) that validates every request
 * body against our schema of Grafana's API and fails on any violation or unknown endpoint.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { GrafanaApiStub, type StubState } from '../support/grafana-api-stub';
import { grafanaRuntimes } from './harness/compat';
import { startHarness, type HarnessSession } from './harness/session';

const SLACK_SECRET = 'https://hooks.slack.com/services/T000/B000/slack-secret-4d1f9a';
const PAGERDUTY_SECRET = 'pagerduty-secret-83c2e7';
/** The Slack webhook after a rotation: the second run replaces the first. */
const ROTATED_SLACK_SECRET = 'https://hooks.slack.com/services/T000/B111/rotated-secret-5b0c';
const SECRETS = [SLACK_SECRET, PAGERDUTY_SECRET, ROTATED_SLACK_SECRET];
const TESSERACT_CONTACT_POINTS = ['tesseract-critical', 'tesseract-warning', 'tesseract-failures'];

/** Another team's setup already in this Grafana: it must come out untouched. */
const OTHER_TEAM: Partial<StubState> = {
  folders: [{ id: 900, uid: 'team-a', title: 'Team A' }],
  contactPoints: [
    {
      uid: 'team-a-email',
      name: 'Team A email',
      type: 'email',
      settings: { addresses: 'oncall@team-a.example' },
      disableResolveMessage: false,
    },
  ],
  rules: [
    {
      uid: 'team-a-latency',
      title: 'Team A latency',
      folderUID: 'team-a',
      ruleGroup: 'latency',
      orgID: 1,
      condition: 'A',
      data: [{ refId: 'A', datasourceUid: '__expr__', model: { type: 'math', expression: '1 == 1' } }],
      noDataState: 'OK',
      execErrState: 'OK',
      for: '5m',
      isPaused: false,
      provenance: '',
    },
  ],
  intervals: { 'team-a/latency': 120 },
};

let harness: HarnessSession;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let consoleLines: string[];
const grafana = new GrafanaApiStub();

beforeEach(async () => {
  grafana.reset(OTHER_TEAM);
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.setDefaultTimeout(15000);
  pageErrors = [];
  consoleLines = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => consoleLines.push(message.text()));
});

afterEach(async () => {
  await page.close();
  expect(pageErrors).toEqual([]);
  // Every request matched Grafana's API schema, sent X-Disable-Provenance where it writes, and hit a real endpoint.
  expect(grafana.violations).toEqual([]);
});

async function openPage(): Promise<void> {
  await page.goto(`${harness.url}/?view=app&page=alerting&backend=http`);
  await page.getByRole('region', { name: '2. Contact points' }).waitFor();
}

/** Picks an option of the Select whose input has this id. */
async function pick(inputId: string, option: string): Promise<void> {
  await page.locator(`#${inputId}`).click();
  // By text: @grafana/ui 11 labels every option "Select option".
  await page.getByRole('option').filter({ hasText: option }).first().click();
}

/** The shown value of the Select whose input has this id. */
function selected(inputId: string): Locator {
  return page.locator(
    `xpath=//input[@id="${inputId}"]/ancestor::div[contains(@class,"grafana-select-value-container")]`
  );
}

async function createContactPoints(secrets: { slack: string; pagerDuty?: string }): Promise<void> {
  await page.getByRole('button', { name: 'Create Tesseract contact points' }).click();
  const form = page.getByRole('group', { name: 'New Tesseract contact points' });
  await form.locator('#new-contact-point-slack').pressSequentially(secrets.slack, { delay: 0 });
  if (secrets.pagerDuty) {
    await form.locator('#new-contact-point-pagerduty').pressSequentially(secrets.pagerDuty, { delay: 0 });
  }
  // Positive controls of the search below: a typed secret is found in its input's value (and only
  // there, since the page keeps it out of React state), the channel in React state.
  expect(await pageHolds(secrets.slack)).toEqual(['value of new-contact-point-slack']);
  expect((await pageHolds('#tesseract-alerts')).some((place) => place.startsWith('React memoizedState'))).toBe(true);
  await form.getByRole('button', { name: 'Create contact points' }).click();
  await form.waitFor({ state: 'detached' });
}

/** Whether `secret` is anywhere in the page: its HTML, the values of its inputs, or React's state and props. */
async function pageHolds(secret: string): Promise<string[]> {
  return page.evaluate((needle) => {
    const found: string[] = [];
    if (document.documentElement.outerHTML.includes(needle)) {
      found.push('DOM');
    }
    document.querySelectorAll('input, textarea').forEach((input) => {
      if ((input as HTMLInputElement).value.includes(needle)) {
        found.push(`value of ${input.id || input.tagName}`);
      }
    });
    // Walk React's fibers (current and alternate trees): hook states, update queues, props.
    const container = document.getElementById('root') as unknown as Record<string, unknown>;
    const rootKey = Object.keys(container).find((key) => key.startsWith('__reactContainer$'));
    const seen = new Set<unknown>();
    const holds = (value: unknown, depth: number): boolean => {
      if (typeof value === 'string') {
        return value.includes(needle);
      }
      if (value === null || typeof value !== 'object' || depth > 12 || seen.has(value) || value instanceof Node) {
        return false;
      }
      seen.add(value);
      if ('stateNode' in value && 'return' in value) {
        return false; // another fiber: walked on its own
      }
      return Object.values(value).some((item) => holds(item, depth + 1));
    };
    const fibers: unknown[] = rootKey ? [container[rootKey]] : [];
    const visited = new Set<unknown>();
    while (fibers.length > 0) {
      const fiber = fibers.pop() as Record<string, unknown> | null;
      if (!fiber || visited.has(fiber)) {
        continue;
      }
      visited.add(fiber);
      for (const key of ['memoizedState', 'memoizedProps', 'pendingProps', 'updateQueue']) {
        if (holds(fiber[key], 0)) {
          const type = fiber.type as { name?: string } | string | undefined;
          found.push(`React ${key} of ${typeof type === 'string' ? type : (type?.name ?? 'component')}`);
        }
      }
      fibers.push(fiber.child, fiber.sibling, fiber.alternate);
    }
    if (!rootKey) {
      found.push('no React root found to inspect');
    }
    return found;
  }, secret);
}

const tesseractRules = () => grafana.state.rules.filter((rule) => rule.folderUID !== 'team-a');

describe.each(grafanaRuntimes())('Grafana $grafana (React $react)', (runtime) => {
  beforeAll(async () => {
    harness = await startHarness(runtime, (request, response) => grafana.handle(request, response));
    browser = harness.browser;
  });

  afterAll(async () => {
    await harness?.close();
  });

  describe('Alerting setup page', () => {
    it('creates contact points, a folder and the rules; a second run updates the same rules', async () => {
      await openPage();
      expect(await page.getByText('Tesseract devnet').first().isVisible()).toBe(true);
      expect(await page.getByLabel('All deployments').isChecked()).toBe(true);

      // Slack and PagerDuty: Slack joins all three of Tesseract's contact points, PagerDuty the critical one.
      await createContactPoints({ slack: SLACK_SECRET, pagerDuty: PAGERDUTY_SECRET });
      for (const [feed, name] of [
        ['critical', 'tesseract-critical'],
        ['warning', 'tesseract-warning'],
        ['failures', 'tesseract-failures'],
      ]) {
        await selected(`alerting-receiver-${feed}`).getByText(name!, { exact: true }).waitFor();
      }
      await page.getByLabel('Or a new folder').fill('Tesseract');
      await page.getByRole('button', { name: 'Create folder' }).click();

      const preview = page.getByRole('table', { name: 'Rules to create or update' });
      await preview.waitFor();
      const rows = preview.locator('tbody tr');
      const ruleCount = await rows.count();
      expect(ruleCount).toBeGreaterThan(5);
      expect(await preview.getByText('create', { exact: true }).count()).toBe(ruleCount);
      for (const name of TESSERACT_CONTACT_POINTS) {
        expect(await preview.getByText(name, { exact: true }).count()).toBeGreaterThan(0);
      }
      expect(await preview.getByText('last(failure_ratio) > 0.1 for 5m', { exact: true }).count()).toBe(1);

      // The secrets went to Grafana, in the POSTs, and nowhere else; the templates the messages use came first.
      const tesseract = () =>
        grafana.state.contactPoints.filter((integration) => integration.name.startsWith('tesseract'));
      expect(
        tesseract()
          .map((integration) => `${integration.name} ${integration.type}`)
          .sort()
      ).toEqual([
        'tesseract-critical pagerduty',
        'tesseract-critical slack',
        'tesseract-failures slack',
        'tesseract-warning slack',
      ]);
      for (const integration of tesseract()) {
        expect(integration.settings.url ?? integration.settings.integrationKey).toBe(
          integration.type === 'slack' ? SLACK_SECRET : PAGERDUTY_SECRET
        );
      }
      expect(grafana.state.templates.tesseract).toContain('define "tesseract.title"');
      const firstWrite = grafana.requests.findIndex((request) => request.method !== 'GET');
      expect(grafana.requests[firstWrite]!.path).toBe('/api/v1/provisioning/templates/tesseract');
      for (const secret of SECRETS) {
        expect(await pageHolds(secret)).toEqual([]);
      }

      await page.getByRole('button', { name: 'Create or update rules' }).click();
      const success = page.getByText(/^Created \d+, updated \d+/);
      await success.waitFor();
      expect(await success.textContent()).toBe(`Created ${ruleCount}, updated 0.`);

      const firstRun = tesseractRules();
      expect(firstRun).toHaveLength(ruleCount);
      const folderUid = grafana.state.folders.find((folder) => folder.title === 'Tesseract')!.uid;
      for (const rule of firstRun) {
        expect(rule).toMatchObject({ folderUID: folderUid, provenance: '' });
        expect(TESSERACT_CONTACT_POINTS).toContain((rule.notification_settings as { receiver: string }).receiver);
      }
      const writes = grafana.requests.filter((request) => request.path.startsWith('/api/v1/provisioning/alert-rules'));
      expect(writes.filter((request) => request.method === 'POST')).toHaveLength(ruleCount);
      expect(writes.every((request) => request.status < 300)).toBe(true);
      const critical = firstRun.filter((rule) => (rule.labels as Record<string, string>).severity === 'critical');
      expect(critical.length).toBeGreaterThan(0);
      for (const rule of critical) {
        expect((rule.notification_settings as { receiver: string }).receiver).toBe('tesseract-critical');
      }

      // Meanwhile someone edits the group in Grafana: another interval, and a rule of their own in it.
      const groupKey = `${folderUid}/${firstRun[0]!.ruleGroup}`;
      grafana.state.intervals[groupKey] = 300;
      grafana.state.rules.push({ ...firstRun[0]!, uid: 'users-own-rule', title: 'A rule a user added' });
      const requestsBefore = grafana.requests.length;

      // Second run, from a fresh page, with a rotated Slack webhook: the integrations are replaced (PUT).
      // (Opened again, not reloaded: the harness moved the location to the app's path, as Grafana does.)
      await openPage();
      await createContactPoints({ slack: ROTATED_SLACK_SECRET });
      await selected('alerting-folder').getByText('Tesseract', { exact: true }).waitFor();
      await preview.waitFor();
      await page.getByText('update', { exact: true }).first().waitFor();
      expect(await preview.getByText('update', { exact: true }).count()).toBe(ruleCount);
      await page.getByRole('button', { name: 'Create or update rules' }).click();
      await success.waitFor();
      expect(await success.textContent()).toBe(`Created 0, updated ${ruleCount}; evaluation interval set to 60 s.`);

      const secondRun = grafana.requests.slice(requestsBefore);
      const ruleWrites = secondRun.filter(
        (request) => request.path.startsWith('/api/v1/provisioning/alert-rules') && request.method !== 'GET'
      );
      expect(ruleWrites.map((request) => request.method)).toEqual(Array(ruleCount).fill('PUT'));
      expect(tesseractRules()).toHaveLength(ruleCount + 1);
      expect(new Set(tesseractRules().map((rule) => rule.uid)).size).toBe(ruleCount + 1);
      expect(tesseractRules().some((rule) => rule.uid === 'users-own-rule')).toBe(true);
      expect(grafana.state.intervals[groupKey]).toBe(60);
      expect(tesseract()).toHaveLength(4);
      expect(grafana.state.contactPoints).toHaveLength(5);
      expect(
        secondRun
          .filter((request) => request.path.startsWith('/api/v1/provisioning/contact-points/'))
          .map((r) => r.method)
      ).toEqual(['PUT', 'PUT', 'PUT']);
      for (const integration of tesseract()) {
        expect(integration.settings.url ?? integration.settings.integrationKey).toBe(
          integration.type === 'slack' ? ROTATED_SLACK_SECRET : PAGERDUTY_SECRET
        );
      }

      // The other team's folder, contact point and rule are as they were.
      expect(grafana.state.folders.find((folder) => folder.uid === 'team-a')).toEqual(OTHER_TEAM.folders![0]);
      expect(grafana.state.contactPoints[0]).toEqual(OTHER_TEAM.contactPoints![0]);
      expect(grafana.state.rules.find((rule) => rule.uid === 'team-a-latency')).toEqual(OTHER_TEAM.rules![0]);
      expect(grafana.state.intervals['team-a/latency']).toBe(120);

      for (const secret of SECRETS) {
        expect(await pageHolds(secret)).toEqual([]);
        expect(consoleLines.filter((line) => line.includes(secret))).toEqual([]);
      }
    });

    it("shows the API's errors on the page", async () => {
      await openPage();

      // A contact point Grafana refuses: the message is shown, the typed secret is gone all the same.
      grafana.fail = {
        method: 'POST',
        path: /^\/api\/v1\/provisioning\/contact-points$/,
        status: 400,
        message: 'failed to validate integration "slack" (UID tesseract-critical-slack): invalid URL',
      };
      await page.getByRole('button', { name: 'Create Tesseract contact points' }).click();
      await page.locator('#new-contact-point-slack').pressSequentially(SLACK_SECRET, { delay: 0 });
      await page.getByRole('button', { name: 'Create contact points' }).click();
      await page
        .getByText(
          'Could not create the slack integration of contact point "tesseract-critical": failed to validate integration "slack" (UID tesseract-critical-slack): invalid URL (HTTP 400)',
          { exact: false }
        )
        .waitFor();
      expect(await pageHolds(SLACK_SECRET)).toEqual([]);
      expect(grafana.state.contactPoints).toHaveLength(1);
      await page.getByRole('button', { name: 'Cancel' }).click();

      for (const feed of ['critical', 'warning', 'failures']) {
        await pick(`alerting-receiver-${feed}`, 'Team A email');
      }

      // A folder title that exists: Grafana answers 409.
      await page.getByLabel('Or a new folder').fill('Team A');
      await page.getByRole('button', { name: 'Create folder' }).click();
      await page
        .getByText('Could not create folder "Team A": a folder with the same name already exists (HTTP 409)')
        .waitFor();

      // A user without the provisioning permission: Grafana answers 403 with the permission it needs.
      await pick('alerting-folder', 'Team A');
      grafana.fail = {
        method: 'POST',
        path: /^\/api\/v1\/provisioning\/alert-rules$/,
        status: 403,
        message:
          "You'll need additional permissions to perform this action. Permissions needed: alert.provisioning:write",
      };
      await page.getByRole('button', { name: 'Create or update rules' }).click();
      await page
        .getByText(
          /^Could not create rule ".+": You'll need additional permissions to perform this action\. Permissions needed: alert\.provisioning:write \(HTTP 403\)$/
        )
        .waitFor();
      expect(grafana.state.rules).toHaveLength(1);
    });
  });
});
