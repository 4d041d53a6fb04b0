import { rm } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import { buildHarness } from './build';
import type { GrafanaRuntime } from './compat';
import { serveHarness, type ApiHandler } from './server';

export interface HarnessSession {
  url: string;
  browser: Browser;
  close: () => Promise<void>;
}

/** Debian's Chromium, headless, with nothing of its own reaching the network. */
function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-quic',
      '--disable-sync',
    ],
  });
}

/**
 * Bundles the harness page against one Grafana runtime, serves it (with `api` answering Grafana's HTTP API, if
 * given) and starts Chromium.
 */
export async function startHarness(runtime: GrafanaRuntime, api?: ApiHandler): Promise<HarnessSession> {
  const bundleDir = await buildHarness(runtime);
  const removeBundle = () => rm(bundleDir, { recursive: true, force: true });
  const server = await serveHarness(bundleDir, runtime, api).catch(async (error: unknown) => {
    await removeBundle();
    throw error;
  });
  const browser = await launchChromium().catch(async (error: unknown) => {
    await server.close();
    await removeBundle();
    throw error;
  });
  return {
    url: server.url,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
      await removeBundle();
    },
  };
}
