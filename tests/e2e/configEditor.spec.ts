import { expect, test } from '@grafana/plugin-e2e';

// Run against the docker-compose Grafana (`npm run server`, then `npm run e2e`); needs a Docker engine.
const DATASOURCE_TYPE = 'tesseract-monitor-datasource';
const CONTRACT = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

test('a new data source: deployments are validated as typed, RPC URLs saved as a secret, health checked', async ({
  createDataSourceConfigPage,
  page,
}) => {
  const configPage = await createDataSourceConfigPage({ type: DATASOURCE_TYPE });
  await expect(page.getByText('No deployments yet')).toBeVisible();
  await page.getByRole('button', { name: 'Add deployment' }).click();
  const deployment = page.getByRole('region', { name: 'Deployment Deployment 1' });
  await expect(deployment.getByText(/^Name is required/)).toBeVisible();

  await deployment.getByLabel(/^Name/).fill('optimism');
  const named = page.getByRole('region', { name: 'Deployment optimism' });
  await named.getByLabel(/^Chain id/).fill('31010');
  await named.getByLabel(/^Contract address/).fill(CONTRACT.toLowerCase().replace('0x5fbdb', '0x5FBDB'));
  await expect(named.getByText(/Contract address has a wrong checksum/)).toBeVisible();
  await named.getByLabel(/^Contract address/).fill(CONTRACT);
  await expect(named.getByText(/Contract address (has|must)/)).toHaveCount(0);
  await named.getByLabel('RPC URLs').fill('http://devnet:8545');

  await expect(configPage.saveAndTest()).toBeOK();
  // After saving, Grafana returns only the flag: the URL never comes back to the browser.
  await expect(named.getByLabel('RPC URLs')).toHaveValue('configured');
  await expect(page.getByText('http://devnet:8545')).toHaveCount(0);
});

test('the provisioned data source shows its RPC URLs as configured and passes its health check', async ({
  readProvisionedDataSource,
  gotoDataSourceConfigPage,
  page,
}) => {
  const datasource = await readProvisionedDataSource({ fileName: 'tesseract.yaml', name: 'Tesseract devnet' });
  expect(datasource.uid).toBe('tesseract-devnet');
  const configPage = await gotoDataSourceConfigPage(datasource.uid);
  for (const name of ['optimism', 'arbitrum', 'base']) {
    const deployment = page.getByRole('region', { name: `Deployment ${name}` });
    await expect(deployment.getByLabel('RPC URLs')).toHaveValue('configured');
    await expect(deployment.getByLabel(/^Contract address/)).toHaveValue(CONTRACT);
  }
  await expect(configPage.saveAndTest()).toBeOK();
  await expect(configPage).toHaveAlert('success', { hasText: /All 3 deployments OK/ });
});
