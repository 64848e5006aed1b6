import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`); CHROMIUM_PATH names another build. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Headless, no sandbox (root in CI), and none of the browser's own network
 * traffic (updates, sync, background lookups): a closed network refuses it
 * and the page tests check that no request leaves the machine.
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts the browser through playwright-core, which gives each launch a
 * fresh, temporary user-data-dir and removes it on close. Nothing is
 * downloaded: without the browser installed this fails and says so.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
}
