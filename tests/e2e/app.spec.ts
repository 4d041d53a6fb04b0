import { expect, test } from '@grafana/plugin-e2e';

// Run against the docker-compose Grafana and devnet (`npm run server`, then `npm run e2e`).
const APP_ID = 'tesseract-monitor-app';

test('the overview shows the health of every provisioned deployment and links the dashboard', async ({
  gotoAppPage,
  page,
}) => {
  await gotoAppPage({ pluginId: APP_ID, path: '/overview' });
  for (const name of ['optimism', 'arbitrum', 'base']) {
    await expect(page.getByRole('region', { name: `Health of ${name}` })).toBeVisible();
  }
  await expect(page.getByRole('region', { name: 'Health of optimism' }).getByText('Up', { exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: /Open the Tesseract dashboard/ })).toHaveAttribute(
    'href',
    /\/d\/tesseract-overview$/
  );
});

test('the transaction explorer validates tx_ids before looking them up', async ({ gotoAppPage, page }) => {
  await gotoAppPage({ pluginId: APP_ID, path: '/transactions' });
  await page.getByLabel(/^tx_id/).fill('0x1234');
  await expect(page.getByText('Not a tx_id (0x followed by 64 hex digits): 0x1234')).toBeVisible();
  await expect(page.getByRole('button', { name: /Look up/ })).toBeDisabled();
  await page.getByLabel(/^tx_id/).fill('0x' + '00'.repeat(32));
  await page.getByRole('button', { name: /Look up/ }).click();
  await expect(page.getByRole('region', { name: 'Lifecycle on Tesseract devnet' })).toBeVisible();
});
