// The web app (/app/) in a real browser: Debian's chromium driven by playwright-core, against the whole
// stack over HTTP. A user signs in with Kazoo credentials, plays, files, deletes, searches, downloads and
// gets a message live; records and uploads greetings; never sees another user's box. An admin signed in
// with the API key uses the console and runs a broadcast on the simulated carrier to completion. axe-core
// checks every page; the screenshots in docs/screenshots/ are written by this suite.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import { Browser, chromium, Page } from 'playwright-core';
import yauzl from 'yauzl';
import { wavFile } from '@voxmail/testing';
import { dialerWith, uploadPrompt } from './broadcast.helpers';
import { afterSuite, useStack, useTenant } from './fixture';
import { createBox, depositMessage, messagesIn } from './messages.helpers';

jest.setTimeout(90000);

const SCREENSHOTS = join(__dirname, '..', '..', 'docs', 'screenshots');

/** Debian's chromium (CHROMIUM_PATH, else on PATH): npm test installs it; without it the suite is skipped. */
function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const executablePath = chromiumPath();
if (!executablePath) console.warn('chromium is not installed: the web app browser tests are skipped');
const maybe = executablePath ? describe : describe.skip;

const stack = useStack(['mailbox', 'message', 'media', 'dialer', 'notification', 'gateway'], {
  prepare: () => {
    process.env.MEDIA_SWEEP_INTERVAL_MS = '200';
  },
  starters: { dialer: dialerWith({ tickMs: 50, leaseMs: 2000, replicaId: 'web-e2e' }) },
});
const t = useTenant(stack);

const PASSWORD = 'correct horse 42';
const world = { alice: '', bob: '', aliceBox: '', aliceBox2: '', bobBox: '' };

async function createUser(username: string): Promise<string> {
  const r = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
    token: t.token,
    body: {
      data: { username, password: PASSWORD, first_name: username, last_name: 'Test', priv_level: 'user' },
    },
  });
  if (r.status !== 201) throw new Error(`user: ${r.status} ${r.text}`);
  return r.body.data.id;
}

/** 8 kHz WAV of a tone that swells and fades like syllables (so the waveform shows something). */
function voiceLike(seconds: number): Buffer {
  const wav = wavFile(seconds, 8000);
  for (let i = 0; (i + 1) * 2 <= wav.length - 44; i++) {
    const s = i / 8000;
    const level = Math.abs(Math.sin(2 * Math.PI * 1.7 * s)) * (0.3 + 0.7 * Math.abs(Math.sin(0.9 * s)));
    wav.writeInt16LE(Math.round(Math.sin(2 * Math.PI * 220 * s) * level * 12000), 44 + i * 2);
  }
  return wav;
}

async function deposit(box: string, name: string, number: string, seconds = 3): Promise<void> {
  const r = await depositMessage(
    stack,
    t,
    box,
    { caller_id_name: name, caller_id_number: number },
    voiceLike(seconds),
  );
  if (r.status !== 201) throw new Error(`deposit: ${r.status} ${r.body.toString()}`);
}

let browser: Browser;

beforeAll(async () => {
  if (!executablePath) return;
  world.alice = await createUser('alice');
  world.bob = await createUser('bob');
  world.aliceBox = await createBox(stack, t, {
    name: 'Alice desk',
    owner_id: world.alice,
    timezone: 'Europe/Paris',
  });
  world.aliceBox2 = await createBox(stack, t, { name: 'Alice mobile', owner_id: world.alice });
  world.bobBox = await createBox(stack, t, { name: 'Bob private', owner_id: world.bob });
  await deposit(world.aliceBox, 'Zebulon Quist', '15550001111');
  await deposit(world.aliceBox, 'Marta Ruiz', '15550002222');
  await deposit(world.bobBox, 'Secret Caller', '15550009999');
  browser = await chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  afterSuite(() => browser.close());
}, 60000);

/** A fresh page (its own cookies and memory: the token lives only there) at /app/. */
async function openApp(o: { fakeClock?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1100, height: 760 },
    acceptDownloads: true,
    // axe-core is injected as an inline script, which the app's Content-Security-Policy forbids
    bypassCSP: true,
  });
  context.setDefaultTimeout(15000);
  // the page's timers and Date under the test's control (token renewal an hour ahead)
  if (o.fakeClock) await context.clock.install();
  const page = await context.newPage();
  await page.goto(`${stack.baseUrl}/app/`);
  return page;
}

/** axe-core on the page as it is: no serious or critical violation. */
async function expectAccessible(page: Page, what: string): Promise<void> {
  // injected once per document (the app changes pages without reloading)
  if (!(await page.evaluate<boolean>('typeof axe !== "undefined"')))
    await page.addScriptTag({ content: axe.source });
  // a string: it runs in the page, whose globals (axe, document) the tests' Node types do not know
  const violations = await page.evaluate<string[]>(`axe.run(document).then((r) =>
    r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id + ': ' + v.help + ' (' + v.nodes.map((n) => n.target.join(' ')).join(', ') + ')'))`);
  expect({ page: what, violations }).toEqual({ page: what, violations: [] });
}

async function screenshot(page: Page, name: string, selector?: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  if (selector) await page.locator(selector).first().screenshot({ path });
  else await page.screenshot({ path });
}

async function signInAsUser(page: Page, username: string): Promise<void> {
  await expectAccessible(page, 'sign-in');
  await page.getByLabel('Account name or realm').fill(t.name);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
}

/** Picks the box in the select labelled `label` (its options read `name (mailbox)`). */
async function chooseBox(page: Page, label: string, name: string, box: string): Promise<void> {
  const r = await stack.request('GET', `/v2/accounts/${t.accountId}/vmboxes/${box}`, { token: t.token });
  await page.getByLabel(label, { exact: true }).selectOption({ label: `${name} (${r.body.data.mailbox})` });
}

/**
 * On the greetings page: records the box's unavailable greeting with the (fake) microphone and uploads a
 * file as its `fileType` greeting; answers the box's greetings by type, as the API lists them.
 */
async function recordAndUpload(page: Page, name: string, box: string, fileType: string) {
  await page.getByRole('link', { name: 'Greetings & settings' }).click();
  await page.getByRole('heading', { name: 'Greetings', level: 2 }).waitFor();
  await chooseBox(page, 'Box', name, box);
  const unavailable = page.locator('[data-greeting="unavailable"]');
  await unavailable.getByRole('button', { name: 'Record' }).click();
  await unavailable.getByRole('button', { name: 'Stop and save' }).waitFor();
  await page.waitForTimeout(1200);
  await unavailable.getByRole('button', { name: 'Stop and save' }).click();
  await page.getByText('Greeting saved.').waitFor({ timeout: 15000 });
  await page
    .locator(`[data-greeting="${fileType}"] input[type=file]`)
    .setInputFiles({ name: `${fileType}.wav`, mimeType: 'audio/wav', buffer: wavFile(1, 8000) });
  await page.locator(`[data-greeting="${fileType}"] audio`).waitFor({ timeout: 15000 });
  const greetings = await stack.request('GET', `/v2/accounts/${t.accountId}/vmboxes/${box}/greetings`, {
    token: t.token,
  });
  return Object.fromEntries(greetings.body.data.map((g: any) => [g.type, g]));
}

/** Waits until the folder's tab reads `text` (its name and count). */
const folderShows = (page: Page, folder: string, text: string) =>
  page.locator(`[data-folder="${folder}"]`, { hasText: text }).waitFor();
const row = (page: Page, caller: string) => page.locator('tbody tr', { hasText: caller });
const tab = (page: Page, folder: string) => page.locator(`[data-folder="${folder}"]`);

maybe('the web app', () => {
  let page: Page;

  it('is served under /app/ with a fresh index and immutable hashed assets', async () => {
    const index = await fetch(`${stack.baseUrl}/app/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const asset = /\/app\/assets\/[\w-]+\.js/.exec(html)![0];
    const js = await fetch(`${stack.baseUrl}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${stack.baseUrl}/app/assets/..%2Fsecrets.js`)).status).toBe(404);
  });

  it('signs a user in with Kazoo credentials and shows only the boxes it owns', async () => {
    page = await openApp();
    await signInAsUser(page, 'alice');
    const boxSelect = page.getByLabel('Box', { exact: true });
    await boxSelect.locator('option', { hasText: 'Alice desk' }).waitFor({ state: 'attached' });
    const options = await boxSelect.locator('option').allTextContents();
    expect(options.join()).toContain('Alice desk');
    expect(options.join()).not.toContain('Bob private');
    await chooseBox(page, 'Box', 'Alice desk', world.aliceBox);
    await row(page, 'Zebulon Quist').waitFor();
    expect(await tab(page, 'new').textContent()).toBe('New (2)');
    // the box's time zone: 1 h or 2 h ahead of UTC in Paris, shown as the box's local time
    expect(await row(page, 'Zebulon Quist').locator('time').textContent()).toMatch(/\d/);
    // another user's box is not reachable through the API the app uses either
    const href = (await page.locator('a[download]').first().getAttribute('href'))!;
    const token = new URLSearchParams(href.split('?')[1]).get('auth_token');
    const peek = await stack.request('GET', `/v2/accounts/${t.accountId}/vmboxes/${world.bobBox}/messages`, {
      token: token!,
    });
    expect(peek.status).toBe(404);
    await expectAccessible(page, 'inbox');
    await screenshot(page, 'inbox');
  });

  it('plays a message with Range requests and the time advancing', async () => {
    const ranged: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/raw') && r.headers().range) ranged.push(r.headers().range);
    });
    await row(page, 'Zebulon Quist').getByRole('button', { name: 'Play' }).click();
    const audio = page.locator('.player audio');
    await audio.waitFor();
    await page.waitForFunction("document.querySelector('.player audio').currentTime > 0.5", null, {
      timeout: 15000,
    });
    expect(ranged.length).toBeGreaterThan(0);
    await page.locator('.wave canvas, .wave div').first().waitFor({ state: 'attached' });
    await expectAccessible(page, 'inbox with the player');
    await screenshot(page, 'player', '.player');
  });

  it('marks a message saved and new again, deletes and undeletes it, by button and by keyboard', async () => {
    await row(page, 'Marta Ruiz').getByRole('button', { name: 'Mark saved' }).click();
    await folderShows(page, 'saved', 'Saved (1)');
    await tab(page, 'saved').click();
    await row(page, 'Marta Ruiz').getByRole('button', { name: 'Mark new' }).click();
    await folderShows(page, 'new', 'New (2)');
    await tab(page, 'new').click();
    // keyboard only: focus the row, `#` deletes it
    await row(page, 'Marta Ruiz').focus();
    await page.keyboard.press('#');
    await folderShows(page, 'deleted', 'Deleted (1)');
    await tab(page, 'deleted').click();
    await expectAccessible(page, 'deleted folder');
    await row(page, 'Marta Ruiz').getByRole('button', { name: 'Undelete' }).click();
    await folderShows(page, 'saved', 'Saved (1)');
    const listed = await messagesIn(stack, t, world.aliceBox);
    expect(listed.map((m) => m.folder).sort()).toEqual(['new', 'saved']);
    await tab(page, 'new').click();
  });

  it('downloads a ZIP of the selected messages', async () => {
    await tab(page, 'saved').click();
    await row(page, 'Marta Ruiz').getByRole('checkbox').check();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download selected (ZIP)' }).click(),
    ]);
    const file = await download.path();
    const entries = await new Promise<string[]>((resolve, reject) =>
      yauzl.open(file, { lazyEntries: false }, (err, zip) => {
        if (err) return reject(err);
        const names: string[] = [];
        zip.on('entry', (e: { fileName: string }) => names.push(e.fileName));
        zip.on('end', () => resolve(names));
        zip.on('error', reject);
      }),
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatch(/Marta|15550002222/);
  });

  it('searches the box', async () => {
    await page.getByLabel('Search messages').fill('Zebulon');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await row(page, 'Zebulon Quist').waitFor();
    await page.getByText('1 result(s) for “Zebulon”').waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
    await page.getByRole('button', { name: 'Clear search' }).click();
  });

  it('shows a message deposited through the API without reloading', async () => {
    await tab(page, 'new').click();
    await deposit(world.aliceBox, 'Live Caller', '15550003333', 1);
    await row(page, 'Live Caller').waitFor({ timeout: 15000 });
    expect(await tab(page, 'new').textContent()).toBe('New (2)');
  });

  it('moves a message to another of its boxes', async () => {
    await row(page, 'Live Caller').getByRole('checkbox').check();
    await chooseBox(page, 'Move to box', 'Alice mobile', world.aliceBox2);
    await page.getByRole('button', { name: 'Move', exact: true }).click();
    await row(page, 'Live Caller').waitFor({ state: 'detached' });
    expect((await messagesIn(stack, t, world.aliceBox2)).map((m) => m.caller_id_name)).toEqual([
      'Live Caller',
    ]);
  });

  it('records a greeting of its own box with the microphone and uploads another from a file', async () => {
    const byType = await recordAndUpload(page, 'Alice mobile', world.aliceBox2, 'name');
    expect(byType.unavailable.duration_ms).toBeGreaterThan(500);
    expect(byType.name.media_id).toBeTruthy();
    await expectAccessible(page, 'greetings of a user');
  });

  it('changes the settings of its box: notification address, transcription, PIN', async () => {
    await page.getByRole('link', { name: 'Greetings & settings' }).click();
    await page.getByRole('heading', { name: 'Box settings', level: 2 }).waitFor();
    await chooseBox(page, 'Box', 'Alice desk', world.aliceBox);
    await page.getByLabel('New PIN (4 to 6 digits)').fill('4321');
    await page.getByLabel('Notification e-mail addresses (one per line)').fill('alice@example.com');
    await page.getByLabel('Transcribe messages to text').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    const box = await stack.request('GET', `/v2/accounts/${t.accountId}/vmboxes/${world.aliceBox}`, {
      token: t.token,
    });
    expect(box.body.data.notify_email_addresses).toEqual(['alice@example.com']);
    expect(box.body.data.transcribe).toBe(true);
    expect(box.body.data.pin_set).toBe(true);
    await expectAccessible(page, 'greetings and settings');
    // a user has no console
    expect(await page.getByRole('link', { name: 'Console' }).count()).toBe(0);
    // sign-out revokes the token on the platform (DELETE /v2/token_auth), not only in the page
    const [revoked] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/v2/token_auth') && r.request().method() === 'DELETE'),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    expect(revoked.status()).toBe(200);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const old = (await revoked.request().allHeaders())['x-auth-token'];
    expect(old).toBeTruthy();
    const after = await stack.request('GET', `/v2/accounts/${t.accountId}/vmboxes/${world.aliceBox}`, {
      token: old,
    });
    expect(after.status).toBe(401);
    await page.context().close();
  });

  it('gives an admin signed in with the API key the console, every section accessible', async () => {
    page = await openApp();
    await page.getByLabel('API key').check();
    await page.getByLabel('API key', { exact: true }).last().fill(t.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    // an admin sees every box of the account, Bob's too
    await page
      .getByLabel('Box', { exact: true })
      .locator('option', { hasText: 'Bob private' })
      .waitFor({ state: 'attached' });
    await page.getByRole('link', { name: 'Console' }).click();
    for (const [section, expected] of [
      ['accounts', 'Accounts'],
      ['users', 'alice'],
      ['boxes', 'Alice desk'],
      ['clients', 'API clients'],
      ['webhooks', 'Webhooks'],
      ['usage', 'vmboxes'],
    ]) {
      await page.locator(`[data-section="${section}"]`).click();
      await page.locator('[role=tabpanel]').getByText(expected).first().waitFor();
      await expectAccessible(page, `console ${section}`);
    }
    await page.locator('[data-section="clients"]').click();
    await page.getByLabel('Client name').fill('crm');
    await page.getByRole('button', { name: 'Create' }).click();
    // the secret is shown once: in the answer to the create, never in the list, gone once closed
    const secret = (await page.locator('[data-secret]').textContent())!;
    expect(secret.length).toBeGreaterThan(10);
    await page.locator('[role=tabpanel] tbody tr', { hasText: 'crm' }).waitFor();
    expect(await page.locator('[role=tabpanel] table').textContent()).not.toContain(secret);
    await page.getByRole('button', { name: 'Close' }).click();
    expect(await page.locator('[data-secret]').count()).toBe(0);
  });

  it('lets an admin record a greeting with the microphone and upload another from a file', async () => {
    const byType = await recordAndUpload(page, 'Alice desk', world.aliceBox, 'busy');
    expect(byType.unavailable.media_id).toBeTruthy();
    expect(byType.unavailable.content_type).toMatch(/wav/);
    expect(byType.unavailable.duration_ms).toBeGreaterThan(500);
    expect(byType.busy.media_id).toBeTruthy();
    await expectAccessible(page, 'greetings');
  });

  it('starts a broadcast on the simulated carrier and watches it reach completed', async () => {
    // a quick app, and a slow one for the cancel test (listed by the page from the start)
    for (const [id, cps, ring, talk] of [
      ['web1', 0, 300, 600],
      ['slow1', 1, 2000, 2000],
    ] as const) {
      const app = await stack.request('PUT', `/v2/accounts/${t.accountId}/broadcast_apps`, {
        token: t.token,
        body: {
          data: {
            id,
            carrier: 'simulated',
            calls_per_second: cps,
            settings: { ring_ms: ring, talk_ms: talk },
          },
        },
      });
      expect(app.status).toBe(201);
    }
    await uploadPrompt(stack, t, 'welcome.wav');
    await page.getByRole('link', { name: 'Broadcasts' }).click();
    await page.getByLabel('Broadcast app', { exact: true }).selectOption('web1');
    await page.getByLabel('Prompt', { exact: true }).selectOption({ label: 'welcome.wav' });
    await page
      .getByLabel('Numbers to call (one per line)')
      .fill(['4915112345670', '4915112345671', '4915112345672', '4915112345673', '4915112345674'].join('\n'));
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.locator('[data-state="completed"]').waitFor({ timeout: 30000 });
    expect(await page.locator('td[data-count="completed"]').textContent()).toBe('5');
    await expectAccessible(page, 'broadcasts');
    await screenshot(page, 'campaign', '.progress');
  });
  it('cancels a running broadcast from its progress view', async () => {
    await page.getByLabel('Broadcast app', { exact: true }).selectOption('slow1');
    await page.getByLabel('Prompt', { exact: true }).selectOption({ label: 'welcome.wav' });
    await page
      .getByLabel('Numbers to call (one per line)')
      .fill(Array.from({ length: 12 }, (_, i) => `49151123457${String(i).padStart(2, '0')}`).join('\n'));
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.getByRole('button', { name: 'Cancel broadcast' }).waitFor();
    await page.locator('#progress-h code').waitFor();
    const id = (await page.locator('#progress-h code').textContent())!;
    await page.getByRole('button', { name: 'Cancel broadcast' }).click();
    await page.locator('[data-state="cancelled"]').waitFor({ timeout: 30000 });
    const b = await stack.request('GET', `/v2/accounts/${t.accountId}/broadcasts/${id}`, { token: t.token });
    expect(b.body.data.state).toBe('cancelled');
    // not every number was called: the cancel stopped it
    expect(b.body.data.counts.completed ?? 0).toBeLessThan(12);
    expect(await page.getByRole('button', { name: 'Cancel broadcast' }).count()).toBe(0);
  });

  it('renews its token before it expires, and keeps working with the new one', async () => {
    const p = await openApp({ fakeClock: true });
    await signInAsUser(p, 'bob');
    await p.getByLabel('Box', { exact: true }).locator('option', { hasText: 'Bob private' }).waitFor({
      state: 'attached',
    });
    const tokens = new Set<string>();
    p.on('request', (r) => {
      const token = r.headers()['x-auth-token'];
      if (token && r.url().includes('/v2/accounts/')) tokens.add(token);
    });
    // an hour later on the page's clock: the renewal (a minute before `exp`) is due
    const [renewal] = await Promise.all([
      p.waitForResponse((r) => r.url().endsWith('/v2/user_auth') && r.request().method() === 'PUT'),
      p.clock.fastForward('59:30'),
    ]);
    expect(renewal.status()).toBe(201);
    const renewed = ((await renewal.json()) as { auth_token: string }).auth_token;
    // the app goes on with the new token (a reload of the inbox uses it) and stays signed in
    await p.getByRole('link', { name: 'Greetings & settings' }).click();
    await p.getByRole('heading', { name: 'Box settings', level: 2 }).waitFor();
    expect(tokens.has(renewed)).toBe(true);
    expect(
      (await stack.request('GET', `/v2/accounts/${t.accountId}/vmboxes/${world.bobBox}`, { token: renewed }))
        .status,
    ).toBe(200);
    await p.context().close();
  });
});
