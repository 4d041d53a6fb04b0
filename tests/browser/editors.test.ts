/**
 * The plugin's editors and app pages rendered with the real @grafana/ui in Debian's Chromium, driven by
 * clicks and typing, once per Grafana version under tests/compat (its own @grafana/*, React and router).
 * `npm run screenshots` (TESSERACT_SCREENSHOTS=1) runs the current Grafana only and writes the README's
 * screenshots to docs/screenshots/; other runs write nothing.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { grafanaRuntimes } from './harness/compat';
import { startHarness, type HarnessSession } from './harness/session';

const SCREENSHOTS =
  process.env.TESSERACT_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : null;
const RUNTIMES = SCREENSHOTS ? grafanaRuntimes().slice(-1) : grafanaRuntimes();
const TX = '0x' + 'ab'.repeat(32);
let harness: HarnessSession;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  if (SCREENSHOTS) {
    await mkdir(SCREENSHOTS, { recursive: true });
  }
});

async function open(query: string): Promise<void> {
  await page.goto(`${harness.url}/?${query}`);
  await page.locator('#editor').waitFor();
}

/** The query or settings the editor last reported through onChange. */
async function model<T = Record<string, unknown>>(): Promise<T> {
  return JSON.parse((await page.locator('#model').textContent()) ?? 'null') as T;
}

async function screenshot(name: string): Promise<void> {
  // Moved away in every run, so the steps after a screenshot see the same page whether or not it is taken.
  await page.mouse.move(0, 0);
  if (SCREENSHOTS) {
    await page.locator('#editor').screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), animations: 'disabled' });
  }
}

/** Opens a Select and clicks an option by its text (@grafana/ui 11 labels every option "Select option"). */
async function pick(combobox: Locator, option: string | RegExp): Promise<void> {
  await combobox.click();
  await page.getByRole('option').filter({ hasText: option }).first().click();
}

/** Clicks a RadioButtonGroup option (the radio input lies over its label). */
async function choose(option: string): Promise<void> {
  await page.getByRole('radio', { name: option, exact: true }).click();
  // Move away, as a user would, so the option's description tooltip does not cover the next field.
  await page.mouse.move(0, 0);
}

async function visible(locator: Locator): Promise<boolean> {
  await locator.first().waitFor({ state: 'visible' });
  return locator.first().isVisible();
}

describe.each(RUNTIMES)('Grafana $grafana (React $react)', (runtime) => {
  beforeAll(async () => {
    harness = await startHarness(runtime);
  });

  afterAll(async () => {
    await harness?.close();
  });

  beforeEach(async () => {
    page = await harness.browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.setDefaultTimeout(15000);
    pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // Not a network error: the stand-in Grafana serves no images of its own (11.0's spinner icon).
      if (['error', 'warning'].includes(message.type()) && !message.text().startsWith('Failed to load resource')) {
        pageErrors.push(`console.${message.type()}: ${message.text()}`);
      }
    });
  });

  afterEach(async () => {
    await page.close();
    // No uncaught exception, console error or React warning in the page while it was driven.
    expect(pageErrors).toEqual([]);
  });

  describe('config editor', () => {
    it('shows saved RPC URLs as configured, resets them, validates on the spot and adds deployments', async () => {
      await open('view=config');
      const optimism = page.getByRole('region', { name: 'Deployment optimism' });
      const arbitrum = page.getByRole('region', { name: 'Deployment arbitrum' });
      const rpcUrls = optimism.getByLabel('RPC URLs');
      expect(await rpcUrls.inputValue()).toBe('configured');
      expect(await rpcUrls.isDisabled()).toBe(true);
      await screenshot('config-editor');

      // Secure field reset: the saved value is dropped and a new one can be typed.
      await optimism.getByRole('button', { name: 'Reset' }).click();
      expect(await rpcUrls.isDisabled()).toBe(false);
      expect(await visible(optimism.getByText('Add at least one RPC URL'))).toBe(true);
      await rpcUrls.fill('https://rpc.example/v3/secret-key\nhttps://fallback.example');
      const afterReset = await model<{
        secureJsonFields: Record<string, boolean>;
        secureJsonData: Record<string, string>;
      }>();
      expect(afterReset.secureJsonFields['rpcUrls.d-optimism']).toBe(false);
      expect(afterReset.secureJsonData['rpcUrls.d-optimism']).toBe(
        'https://rpc.example/v3/secret-key\nhttps://fallback.example'
      );
      expect(await optimism.getByText('Add at least one RPC URL').count()).toBe(0);

      // A wrongly checksummed address and a broken custom ABI are reported as they are typed.
      const contract = arbitrum.getByLabel(/^Contract address/);
      await contract.fill('');
      await contract.pressSequentially('0xe7f1725e7734ce288f8367e1bb143e90bb3f0512X');
      expect(await visible(arbitrum.getByText('Contract address must be 0x followed by 40 hex digits'))).toBe(true);
      await contract.press('Backspace');
      expect(await arbitrum.getByText(/Contract address (has|must)/).count()).toBe(0);
      await contract.fill('0xE7f1725E7734CE288F8367e1Bb143E90bb3F0512');
      expect(
        await visible(
          arbitrum.getByText(
            'Contract address has a wrong checksum (expected 0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512)'
          )
        )
      ).toBe(true);

      await arbitrum.getByRole('radio', { name: 'Custom ABI', exact: true }).click();
      expect(await visible(arbitrum.getByText(/^Custom ABI is empty/))).toBe(true);
      await arbitrum.getByLabel(/^Custom ABI JSON/).fill('[{"type":"event","name":"TransactionBuffered"');
      expect(await visible(arbitrum.getByText(/^Custom ABI is not valid JSON/))).toBe(true);
      await arbitrum.getByLabel(/^Custom ABI JSON/).fill('[{"type":"event","name":"TransactionBuffered"}]');
      expect(
        await visible(arbitrum.getByText('Custom ABI lacks the Tesseract event(s) TransactionReady, TransactionFailed'))
      ).toBe(true);
      await arbitrum.scrollIntoViewIfNeeded();
      await screenshot('config-editor-validation');

      // A new deployment gets a stable id and is validated at once; reordering keeps the ids.
      await page.getByRole('button', { name: 'Add deployment' }).click();
      const added = page.getByRole('region', { name: 'Deployment Deployment 3' });
      expect(await visible(added.getByText(/^Name is required/))).toBe(true);
      await added.getByLabel(/^Name/).fill('base');
      await page.getByRole('region', { name: 'Deployment base' }).getByRole('button', { name: 'Move up' }).click();
      const { jsonData } = await model<{ jsonData: { deployments: Array<{ id: string; name: string }> } }>();
      expect(jsonData.deployments.map((deployment) => deployment.name)).toEqual(['optimism', 'base', 'arbitrum']);
      expect(jsonData.deployments[1].id).toMatch(/^d-[a-z0-9]+-[a-z0-9]+$/);
      // The RPC URLs never enter jsonData.
      expect(JSON.stringify(jsonData)).not.toContain('secret-key');
    });
  });

  describe('query editor', () => {
    it('switches between the editors of every kind, driven by clicks and typing', async () => {
      await open('view=query');

      // Metrics (the default kind): units are shown in the picker.
      expect(await visible(page.getByText('Buffered [count]'))).toBe(true);
      await pick(page.getByRole('combobox', { name: 'Metrics' }), 'Success ratio [%]');
      await page.keyboard.press('Escape');
      expect((await model<{ metrics: string[] }>()).metrics).toEqual(['buffered', 'ready', 'failed', 'success_ratio']);
      await screenshot('query-metrics');

      // Health.
      await choose('Health');
      await choose('Single value');
      await pick(page.getByRole('combobox', { name: 'Health value' }), 'Head age [seconds]');
      expect(await model()).toMatchObject({ queryType: 'health', format: 'value', field: 'head_age_seconds' });
      await screenshot('query-health');

      // Events: filters, and the shared validation's message for a bad address.
      await choose('Events');
      await pick(page.getByRole('combobox', { name: 'Events' }), 'TransactionFailed');
      await page.keyboard.press('Escape');
      await page.getByLabel('Reason contains').fill('dependency');
      await page.getByLabel('Origin rollup').fill('0x5fbdb2315678afecb367f032d93F642f64180aa3');
      expect(
        await visible(
          page.getByText(/Origin rollup has a wrong checksum \(expected 0x5FbDB2315678afecb367f032d93F642f64180aa3\)/)
        )
      ).toBe(true);
      await screenshot('query-events');
      await page.getByLabel('Origin rollup').fill('0x5FbDB2315678afecb367f032d93F642f64180aa3');
      expect(await page.getByText('This query will not run until fixed').count()).toBe(0);
      expect(await model()).toMatchObject({
        queryType: 'events',
        eventNames: ['TransactionFailed'],
        reasonContains: 'dependency',
        originRollup: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      });
      // The format switch: one value per event, as the provisioned "transaction failed" rule reads them.
      expect(await page.getByRole('radio', { name: 'Table', exact: true }).isChecked()).toBe(true);
      await choose('One value per event');
      expect(await model()).toMatchObject({ queryType: 'events', format: 'value' });

      // Transaction: tx_ids typed as tags, a variable accepted.
      await choose('Transaction');
      expect(await visible(page.getByText('tx_ids: enter at least one tx_id'))).toBe(true);
      const txIds = page.getByRole('combobox', { name: 'tx_ids' });
      await txIds.fill(TX);
      await txIds.press('Enter');
      await pick(txIds, '$tx_id');
      await page.keyboard.press('Escape');
      expect((await model<{ txIds: string[] }>()).txIds).toEqual([TX, '$tx_id']);
      expect(await page.getByText('This query will not run until fixed').count()).toBe(0);
      await screenshot('query-transaction');

      // Call: the function picker comes from the deployment's ABI; arguments are checked before running.
      await choose('Call');
      await pick(page.getByRole('combobox', { name: 'Deployments' }), 'arbitrum');
      await page.keyboard.press('Escape');
      await pick(page.getByRole('combobox', { name: 'Function' }), /^get_transaction_state/);
      const runsBefore = await page.locator('#runs').textContent();
      const argument = page.getByLabel('Argument tx_id');
      await argument.fill('0x1234');
      await argument.blur();
      expect(await visible(page.getByText('tx_id (bytes32) must be 0x followed by 64 hex digits'))).toBe(true);
      expect(await page.locator('#runs').textContent()).toBe(runsBefore);
      await screenshot('query-call');
      await argument.fill(TX);
      await argument.blur();
      expect(await page.getByText(/must be 0x followed by 64 hex digits/).count()).toBe(0);
      expect(await page.locator('#runs').textContent()).not.toBe(runsBefore);
      expect(await model()).toMatchObject({
        queryType: 'call',
        deployments: ['arbitrum'],
        functionName: 'get_transaction_state',
        args: [TX],
      });

      // Variables.
      await choose('Variables');
      await pick(page.getByRole('combobox', { name: 'Values' }), 'Recent tx_ids');
      expect(await visible(page.getByText('Limit', { exact: true }))).toBe(true);
      expect(await model()).toMatchObject({ queryType: 'variables', variable: 'txIds', deployments: ['arbitrum'] });
      await screenshot('query-variables');
    });
  });

  describe('variable and annotation editors', () => {
    it('previews variable values from the variables resource', async () => {
      await open('view=variable');
      await page.getByRole('button', { name: /Show values/ }).click();
      const preview = page.getByLabel('Variable values preview');
      expect(await visible(preview.getByText('optimism'))).toBe(true);
      expect(await visible(preview.getByText('arbitrum'))).toBe(true);
      const requests = await page.evaluate(() => window.harnessRequests);
      expect(requests).toEqual([
        expect.objectContaining({ url: '/api/datasources/uid/tesseract-devnet/resources/variables', method: 'POST' }),
      ]);
      await screenshot('variable-editor');
    });

    it('edits the annotation query, failures and pauses by default', async () => {
      await open('view=annotations');
      expect(await visible(page.getByText('TransactionFailed', { exact: true }))).toBe(true);
      expect(await visible(page.getByText('EmergencyPause', { exact: true }))).toBe(true);
      await screenshot('annotations-editor');
    });
  });

  describe('app', () => {
    it('shows every deployment at a glance and links failures to the transaction explorer', async () => {
      await open('view=app&page=overview');
      const optimism = page.getByRole('region', { name: 'Health of optimism' });
      const arbitrum = page.getByRole('region', { name: 'Health of arbitrum' });
      expect(await visible(optimism.getByText('Up', { exact: true }))).toBe(true);
      expect(await visible(optimism.getByText('Not accepting'))).toBe(true);
      expect(await visible(arbitrum.getByText('Down', { exact: true }))).toBe(true);
      expect(await visible(arbitrum.getByText('RPC #1: unreachable (connection refused)'))).toBe(true);
      expect(
        await visible(
          page.getByRole('table', { name: 'Recent failures on Tesseract devnet' }).getByText('Dependency failed')
        )
      ).toBe(true);
      expect(await page.getByRole('link', { name: /Open the Tesseract dashboard/ }).getAttribute('href')).toBe(
        '/d/tesseract-overview'
      );
      await screenshot('app-overview');

      await page.getByRole('link', { name: TX }).click();
      expect(await page.getByLabel(/^tx_id/).inputValue()).toBe(TX);
      const lifecycle = page.getByRole('table', { name: 'Lifecycle on Tesseract devnet' });
      expect(await visible(lifecycle.getByText('TransactionReady'))).toBe(true);
      expect(await visible(lifecycle.getByText('7 s'))).toBe(true);
      // One tx_id looked up: its column and the transaction hashes are left to the dashboard.
      expect(await lifecycle.getByRole('columnheader').allTextContents()).toEqual([
        'Time',
        'Chain',
        'Event',
        'Block',
        'State',
        'Outcome',
        'Resolution seconds',
        'Failure reason',
      ]);
      // Times carry the zone they are shown in (the browser's here, as for a user without a preference).
      const firstTime = await lifecycle.getByRole('cell').first().textContent();
      expect(firstTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \S+$/);
      await screenshot('app-transactions');
    });
  });
});
