import { expect, test } from '@grafana/plugin-e2e';

// Run against the docker-compose Grafana and devnet (`npm run server`, then `npm run e2e`).
const DATASOURCE = 'Tesseract devnet';

test('health query of the provisioned data source returns one row per deployment', async ({ panelEditPage, page }) => {
  await panelEditPage.datasource.set(DATASOURCE);
  await panelEditPage.setVisualization('Table');
  await page.getByRole('radio', { name: 'Health', exact: true }).click();
  await expect(panelEditPage.refreshPanel()).toBeOK();
  await expect(panelEditPage.panel.data).toContainText(['optimism', 'arbitrum', 'base']);
});

test('the metrics editor shows units and the query runs', async ({ panelEditPage, page }) => {
  await panelEditPage.datasource.set(DATASOURCE);
  await expect(page.getByText('Buffered [count]')).toBeVisible();
  await page.getByRole('combobox', { name: 'Metrics' }).click();
  await page.getByRole('option', { name: /Success ratio \[%\]/ }).click();
  await expect(panelEditPage.refreshPanel()).toBeOK();
});

test('a transaction query with a malformed tx_id is explained and not sent', async ({ panelEditPage, page }) => {
  await panelEditPage.datasource.set(DATASOURCE);
  await page.getByRole('radio', { name: 'Transaction', exact: true }).click();
  await expect(page.getByText('tx_ids: enter at least one tx_id')).toBeVisible();
  const txIds = page.getByRole('combobox', { name: 'tx_ids' });
  await txIds.fill('0x1234');
  await txIds.press('Enter');
  await expect(page.getByText('tx_id "0x1234" must be 0x followed by 64 hex digits (bytes32)')).toBeVisible();
});

test('the call editor offers the view functions of the deployment ABI and checks arguments', async ({
  panelEditPage,
  page,
}) => {
  await panelEditPage.datasource.set(DATASOURCE);
  await page.getByRole('radio', { name: 'Call', exact: true }).click();
  await page.getByRole('combobox', { name: 'Function' }).click();
  await page.getByRole('option', { name: /^get_transaction_state/ }).click();
  await page.getByLabel('Argument tx_id').fill('0x12');
  await page.getByLabel('Argument tx_id').blur();
  await expect(page.getByText('"tx_id" (bytes32) must be 0x followed by 64 hex digits')).toBeVisible();
});

test('a query variable lists the deployments through the variables resource', async ({ variableEditPage, page }) => {
  await variableEditPage.setVariableType('Query');
  await variableEditPage.datasource.set(DATASOURCE);
  await expect(page.getByRole('combobox', { name: 'Values' })).toBeVisible();
  await variableEditPage.runQuery();
  await expect(variableEditPage).toDisplayPreviews(['optimism', 'arbitrum', 'base']);
});

test('annotations default to failures and pauses', async ({ annotationEditPage, page }) => {
  await annotationEditPage.datasource.set(DATASOURCE);
  await expect(page.getByText('TransactionFailed', { exact: true })).toBeVisible();
  await expect(page.getByText('EmergencyPause', { exact: true })).toBeVisible();
  await expect(annotationEditPage.runQuery()).toBeOK();
});
