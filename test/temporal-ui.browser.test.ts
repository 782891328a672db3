// The demo as a newcomer sees it: `npm run demo -- --runs 2 --keep-running` prints the diff between
// its two syncs (deletions included), and its printed Temporal UI link is opened in headless Chromium
// (Debian's, driven by playwright-core; no browser download). The workflow page must show the input
// decoded by the demo's codec server with the Client Secret masked (and no secret anywhere in the
// page), the result's counts, the memo, the current details with the final phase and the activity
// summaries naming pages; the workflow list must find the sync by its `SyncPhase`. Last, the way
// the compose stack's operators read history: sign in at a codec server's /session with its token,
// set the UI's Codec Server panel to it with cross-origin credentials, and the page decodes through
// that session cookie. Screenshots go to test-output/screenshots (git-ignored).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startCodecServer } from '../client/codec-server';
import { repoRoot } from '../dev/dev-server';
import { AesGcmPayloadCodec } from '../contract/codec';
import type { SyncResult } from '../contract/sync';
import { acceptsOnLoopback } from './support/loopback';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(repoRoot(), 'test-output', 'screenshots');
// The demo's credentials are `demo-<uuid>` and `demo-torii-<uuid>`: neither may show in any form.
const DEMO_SECRET = /demo-(torii-)?[0-9a-f]{8}-[0-9a-f]{4}-/;
const MASK = '••••••••';
// The demo's history key, known here so the operator's own codec server (the last test) can read it.
const KEY = randomBytes(32);

interface RunningDemo {
  process: ChildProcess;
  workflowUrl: string;
  result: SyncResult;
  output: string[];
}

/** Starts the demo with a small directory and waits for its result line (the sync has ended). */
function startDemo(dir: string): Promise<RunningDemo> {
  const root = repoRoot();
  const env: NodeJS.ProcessEnv = { ...process.env, EMBEDDED_DATABASE_DIR: join(dir, 'store'), SYNC_FILES_DIR: join(dir, 'files') };
  delete env.DATABASE_URL;
  env.SYNC_ENCRYPTION_KEYS = `k1:${KEY.toString('base64')}`;
  const child = spawn(process.execPath, ['-r', join(root, 'test', 'support', 'swc-register.js'), join(root, 'dev', 'demo.ts'), '--users', '120', '--runs', '2', '--keep-running'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    let pending = '';
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (!line.startsWith('{')) continue;
        const link = output.find((l) => l.startsWith('Temporal UI: '));
        if (!link) return reject(new Error(`the demo printed no Temporal UI link:\n${output.join('\n')}`));
        resolve({ process: child, workflowUrl: link.slice('Temporal UI: '.length).trim(), result: JSON.parse(line) as SyncResult, output });
      }
    });
    child.once('exit', (code, signal) => reject(new Error(`the demo exited (${code ?? signal}) before its result:\n${output.join('\n')}`)));
  });
}

/** Stops the demo as Ctrl-C would; answers its exit status (null when it was not running). */
async function stopDemo(demo: RunningDemo | undefined): Promise<number | null> {
  if (!demo || demo.process.exitCode !== null) return null;
  const exited = new Promise<number | null>((resolve) => demo.process.once('exit', (code) => resolve(code)));
  demo.process.kill('SIGINT');
  return exited;
}

/** Resolves once the page's visible text holds `text` (the UI renders decoded payloads after fetching them). */
async function showsText(page: Page, text: string): Promise<void> {
  // A function, not a string: the UI's Content-Security-Policy forbids eval. It runs in the page.
  const pageHolds = (wanted: string) => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText.includes(wanted);
  await page.waitForFunction(pageHolds, text, { timeout: 30_000 }).catch(async (err: Error) => {
    throw new Error(`the page never showed ${JSON.stringify(text)} (${err.message}); it shows:\n${(await page.locator('body').innerText()).slice(0, 2000)}`);
  });
}

/** The page's HTML and text, with those of every frame (the UI renders markdown in iframes). */
async function everythingIn(page: Page): Promise<string> {
  const parts: string[] = [];
  for (const frame of page.frames()) {
    parts.push(await frame.content(), await frame.locator('body').innerText().catch(() => ''));
  }
  return parts.join('\n');
}

// Off CI a machine without Chromium skips it; CI installs it (.ci/run), so there a missing browser fails.
const describeWithChromium = existsSync(CHROMIUM) || process.env.CI ? describe : describe.skip;

describeWithChromium('the Temporal UI of the demo, in Chromium', () => {
  let dir: string;
  let demo: RunningDemo | undefined;
  let browser: BrowserContext;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ui-demo-'));
    mkdirSync(SCREENSHOTS, { recursive: true });
    demo = await startDemo(dir);
    browser = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      // Tall enough that the UI's Codec Server panel opens clear of its sticky top bar.
    viewport: { width: 1400, height: 2000 },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await stopDemo(demo);
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the sync decoded, the secret masked, the current details and the page summaries', async () => {
    const { workflowUrl, result } = demo as RunningDemo;
    const page = await browser.newPage();
    await page.goto(workflowUrl);

    await showsText(page, '"connectionId": "demo"');
    await showsText(page, `"clientSecret": "${MASK}"`);
    for (const count of ['usersActive', 'usersDisabled', 'licenseAssignments', 'pagesFetched'] as const) {
      await showsText(page, `"${count}": ${result[count]}`);
    }
    // The event history's activities carry their summaries, decoded.
    await showsText(page, 'fetchPages • users of population');
    expect(await page.locator('body').innerText()).not.toContain('Decoding failed');
    const history = await everythingIn(page);
    expect(history).toContain(MASK);
    expect(history).not.toMatch(DEMO_SECRET);
    await page.screenshot({ path: join(SCREENSHOTS, 'workflow-history.png') });

    await page.getByRole('tab', { name: 'User Metadata' }).click();
    const details = page.locator('iframe[src*="Phase"]');
    await details.waitFor({ timeout: 30_000 });
    const detailsText = await details.contentFrame().locator('body').innerText();
    expect(detailsText).toContain('Phase done');
    expect(detailsText).toMatch(/Connection demo/);
    expect(detailsText).toContain(`${result.pagesFetched} pages`);
    expect(detailsText).toContain(`${result.licenseAssignments} license assignments`);
    // The static Details (from the start, no worker needed) name the connection too.
    const staticDetails = page.locator('iframe[src*="Torii%20app%20account"]:not([src*="Phase"])');
    await staticDetails.waitFor({ timeout: 30_000 });
    expect(await staticDetails.contentFrame().locator('body').innerText()).toContain(`Connection demo`);
    await showsText(page, 'Events with Metadata');
    await showsText(page, 'members of group');
    expect(await page.locator('body').innerText()).toMatch(/users of population [0-9a-f-]{36}, page 1/);
    await page.screenshot({ path: join(SCREENSHOTS, 'workflow-user-metadata.png') });

    expect(await everythingIn(page)).not.toMatch(DEMO_SECRET);

    await page.getByRole('tab', { name: 'Memo' }).click();
    await showsText(page, '"toriiAppAccountId": 1001');
    expect(await everythingIn(page)).not.toMatch(DEMO_SECRET);
    await page.close();
  });

  it('prints the diff between its two syncs: the deleted users removed, the disabled ones changed', () => {
    const printed = (demo as RunningDemo).output.join('\n');
    const change = /Changed the PingOne directory: (\d+) users deleted, (\d+) disabled, (\d+) added/.exec(printed);
    expect(change).not.toBeNull();
    const [deleted, disabled] = [Number(change?.[1]), Number(change?.[2])];
    expect(deleted).toBeGreaterThan(0);
    expect((demo as RunningDemo).result.usersDeleted).toBe(deleted);
    expect(printed).toMatch(new RegExp(`Users: \\d+ added, ${deleted} removed, ${disabled} changed status`));
    expect(printed.match(/^removed +\S+@/gm)).toHaveLength(deleted);
  });

  it('lists the sync under its SyncPhase and none under another', async () => {
    const { workflowUrl } = demo as RunningDemo;
    const listOf = (query: string) => `${workflowUrl.split('/namespaces/')[0]}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;
    const page = await browser.newPage();
    await page.goto(listOf('SyncPhase = "done"'));
    await page.getByRole('link', { name: 'pingone-sync/demo' }).first().waitFor({ timeout: 30_000 });
    await showsText(page, 'pingOneSync');
    await page.screenshot({ path: join(SCREENSHOTS, 'workflows-sync-phase-done.png') });

    await page.goto(listOf('SyncPhase = "failed"'));
    await showsText(page, 'No Results');
    expect(await page.getByRole('link', { name: 'pingone-sync/demo' }).count()).toBe(0);
    await page.close();
  });
  it('decodes through an operator’s codec server session cookie, as the compose stack’s UI does', async () => {
    const { workflowUrl } = demo as RunningDemo;
    const uiOrigin = new URL(workflowUrl).origin;
    const token = randomBytes(24).toString('base64url');
    const codec = await startCodecServer({ codec: new AesGcmPayloadCodec([{ id: 'k1', key: KEY }]), token, corsOrigins: [uiOrigin], host: '127.0.0.1', port: 0 });
    const page = await browser.newPage();
    try {
      // Sign in as an operator does: the codec server's /session page, the token typed in.
      await page.goto(`${codec.url}/session`);
      await page.getByLabel('Codec server token').fill(token);
      const signedIn = page.waitForResponse((r) => r.url() === `${codec.url}/session` && r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Sign in' }).click();
      expect((await signedIn).status()).toBe(200);
      await page.getByText('Signed in for 12 hours').waitFor();

      // Point this browser's UI at it with credentials, in the UI's own Codec Server panel.
      await page.goto(workflowUrl);
      await page.locator('[data-testid^="data-encoder-status"]').click();
      await page.getByRole('button', { name: 'Use Cluster-level setting' }).click();
      await page.getByText('Use my browser setting and ignore Cluster-level setting.').click();
      await page.getByTestId('data-encoder-endpoint-input').fill(codec.url);
      // By keyboard: the switches sit where the UI's sticky top bar takes pointer events.
      const credentials = page.getByRole('switch', { name: 'Include cross-origin credentials' });
      await credentials.focus();
      await page.keyboard.press('Space');
      expect(await credentials.isChecked()).toBe(true);
      await page.getByRole('button', { name: 'Apply' }).focus();
      await page.keyboard.press('Enter');

      const decodedHere = page.waitForResponse((r) => r.url() === `${codec.url}/decode` && r.request().method() === 'POST');
      await page.reload();
      const response = await decodedHere;
      // No bearer token in a browser: only the session cookie the UI sent along can authorize this.
      expect(response.status()).toBe(200);
      expect(await response.request().headerValue('authorization')).toBeNull();
      expect((await fetch(`${codec.url}/decode`, { method: 'POST', body: JSON.stringify({ payloads: [] }) })).status).toBe(401);
      await showsText(page, `"clientSecret": "${MASK}"`);
      expect(await everythingIn(page)).not.toMatch(DEMO_SECRET);
      await page.screenshot({ path: join(SCREENSHOTS, 'workflow-via-operator-session.png') });
    } finally {
      await page.close();
      await codec.close();
    }
  });

  // Last: it stops the demo. Ctrl-C once ended the demo with an error and left its dev server running.
  it('stops on Ctrl-C with everything it started: the dev server and its UI are gone', async () => {
    const running = demo as RunningDemo;
    const server = running.output.map((line) => /^Server:\s+localhost:(\d+)/.exec(line)?.[1]).find(Boolean);
    const ui = new URL(running.workflowUrl);
    expect(server).toBeDefined();
    expect(await acceptsOnLoopback(Number(server))).toBe(true);
    expect(await stopDemo(running)).toBe(0);
    expect(await acceptsOnLoopback(Number(server))).toBe(false);
    expect(await acceptsOnLoopback(Number(ui.port))).toBe(false);
  });
});
