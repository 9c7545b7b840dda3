import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (no browser download). */
export const CHROMIUM = '/usr/bin/chromium';

export const haveChromium = (): boolean => existsSync(CHROMIUM);

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    // the machine's network is closed: keep Chromium from reaching out at all
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** GETs a path as the dashboard's page does (with its session header, not a cookie), and parses the JSON. */
export function pageFetchJson<T>(page: Page, path: string): Promise<T> {
  // evaluated in the page, where sessionStorage is
  return page.evaluate(
    `fetch(${JSON.stringify(path)}, { headers: { 'x-volley-session': sessionStorage.getItem('volley-session') ?? '' } }).then((r) => r.json())`,
  ) as Promise<T>;
}
