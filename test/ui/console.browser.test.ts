import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { FakeServer } from '../helpers/fake-server.js';
import { startFakeCohere } from '../helpers/fakes/rerank-fakes.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

/**
 * The console end to end in a real browser: Debian's Chromium driven by playwright-core (which
 * never downloads a browser) against a real Rankway on port 0 with a fake Cohere upstream.
 * Without /usr/bin/chromium the suite is skipped with its reason, except under CI, where it fails.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_KEY = 'rk-admin-browser-test';
const UPSTREAM = 'cohere-browser-secret';
const ARTIFACTS = join('test-artifacts', 'console');
const present = existsSync(CHROMIUM);
if (!present && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs chromium before the tests`);
const skip = present ? false : `${CHROMIUM} not found (apt-get install chromium); the browser test needs it`;
if (skip) console.log(`skipping the console browser test: ${skip}`);

/** Builds the console when dist/ui is missing or older than ui/ (CI has just run npm run build). */
function ensureBuilt(): void {
  const index = join('dist', 'ui', 'index.html');
  const stale = !existsSync(index) || execFileSync('find', ['ui', '-type', 'f', '-newer', index]).length > 0;
  if (stale)
    execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'ui/vite.config.ts'], { stdio: 'inherit' });
}

describe('Rankway Console in Chromium', { skip }, () => {
  let gw: RunningGateway;
  let cohere: FakeServer;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const consoleErrors: string[] = [];
  let callerKey = '';

  const shot = async (name: string) => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    // UPDATE_SCREENSHOTS=1 refreshes the README's copies.
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      mkdirSync(join('docs', 'screenshots'), { recursive: true });
      copyFileSync(file, join('docs', 'screenshots', `${name}.png`));
    }
  };
  const nav = async (label: string) => {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: label, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: label }).waitFor();
  };
  const text = async (testId: string) => (await page.getByTestId(testId).innerText()).trim();

  before(async () => {
    ensureBuilt();
    cohere = await startFakeCohere({ apiKey: UPSTREAM });
    gw = await startGateway(
      {
        server: { auth: 'keys' },
        providers: [{ name: 'cohere', type: 'cohere', api_key: UPSTREAM, base_url: cohere.url }],
        models: [
          { name: 'bm25', target: 'local/bm25' },
          { name: 'co', target: 'cohere/rerank-v3.5', price: { per_1k_search_units: 2 } },
        ],
      },
      { RANKWAY_ADMIN_KEY: ADMIN_KEY },
    );
    profile = mkdtempSync(join(tmpdir(), 'rankway-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(`${msg.text()} ${msg.location().url}`);
    });
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
  });
  after(async () => {
    await context?.close();
    await gw?.close();
    await cohere?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('signs in with the admin key and lands on the Overview', async () => {
    await page.goto(`${gw.adminUrl}/ui/`);
    await page.getByLabel('Key').waitFor();
    await shot('sign-in');
    await page.getByLabel('Key').fill('wrong-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('This key is not valid here.').waitFor();
    await page.getByLabel('Key').fill(ADMIN_KEY);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    assert.equal(await text('role'), 'Admin');
    assert.equal(await text('total-requests'), '0');
  });

  it('creates a key (API validation shown next to the field), shows the plaintext once, lists it', async () => {
    await nav('Keys');
    await page.getByTestId('new-key').click();
    await page.getByLabel('Name').fill('browser-key');
    await page.getByLabel('Requests / minute').fill('-5');
    await page.getByLabel('Budget (USD)').fill('5');
    await page.getByRole('button', { name: 'Create key' }).click();
    const rpmError = page.locator('#k-rpm-error');
    await rpmError.waitFor();
    assert.match(await rpmError.innerText(), /greater than 0|positive|>0|too small/i);
    await page.getByLabel('Requests / minute').fill('600');
    await page.getByRole('button', { name: 'Create key' }).click();
    callerKey = await text('plaintext-key');
    assert.match(callerKey, /^rk-/);
    await page.getByTestId('keys-table').getByText('browser-key').waitFor();
    await shot('keys');
  });

  it('rerank calls made with that key show on Overview, Usage and Requests with the right totals', async () => {
    const docs = ['the cat sat on the mat', 'dogs bark', 'a cat and a dog', 'nothing here'];
    const auth = { authorization: `Bearer ${callerKey}` };
    for (let i = 0; i < 3; i++) {
      const r = await gw.post('/v1/rerank', { model: 'co', query: 'cat', documents: docs, top_n: 3, cache: false }, auth);
      assert.equal(r.status, 200);
    }
    for (let i = 0; i < 2; i++)
      assert.equal((await gw.post('/v1/rerank', { model: 'bm25', query: 'cat', documents: docs }, auth)).status, 200);
    assert.equal((await gw.post('/v1/rerank', { model: 'missing', query: 'cat', documents: docs }, auth)).status, 404);
    await gw.gateway.usage.flush();

    await nav('Overview');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByTestId('total-requests').getByText('6', { exact: true }).waitFor();
    assert.equal(await text('total-errors'), '1');
    assert.match(await text('total-cost'), /\$0\.006/);
    await page.getByTestId('errors-by-status').getByText('404').waitFor();
    // The zone is shown and changeable; totals do not depend on it.
    await page.getByTestId('tz-input').fill('Asia/Kolkata');
    await page.getByText('bucketed in Asia/Kolkata').waitFor();
    await page.getByTestId('total-requests').getByText('6', { exact: true }).waitFor();
    await shot('overview');

    await nav('Usage');
    await page.getByLabel('Group by').selectOption('model');
    await page.getByTestId('usage-total-requests').getByText('6', { exact: true }).waitFor();
    const api = await fetch(`${gw.adminUrl}/admin/v1/usage?group_by=model`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const usage = (await api.json()) as { total_cost_usd: number };
    assert.equal(usage.total_cost_usd, 0.006);
    assert.equal(await text('usage-total-cost'), '$0.006');
    await page.getByRole('cell', { name: 'co', exact: true }).waitFor();
    await shot('usage');

    await nav('Requests');
    const rows = page.getByTestId('requests-table').locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 6);
    await page.getByLabel('Model').fill('co');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=requests-table] tbody tr').length === 3);
    await shot('requests');
    await rows.first().getByRole('link').click();
    await page.getByTestId('request-detail').waitFor();
    assert.equal(await text('detail-query'), 'cat');
    assert.equal(await text('detail-cost'), '$0.002');
    await shot('request-detail');
  });

  it('runs the playground on local/bm25 and the Cohere-type fake, side by side with agreement', async () => {
    await nav('Playground');
    await page.getByLabel('Caller key').fill(callerKey);
    await page.getByLabel('co', { exact: true }).check();
    await page.getByTestId('run-playground').click();
    await page.getByTestId('agreement').waitFor();
    assert.equal(await page.getByTestId('playground-column').count(), 2);
    const agreement = await text('agreement');
    assert.match(agreement, /local\/bm25 ↔ co/);
    await shot('playground');
  });

  it('models and providers list config-file resources read-only', async () => {
    await nav('Models');
    await page.getByTestId('models-table').getByText('config file').first().waitFor();
    await nav('Providers');
    await page.getByTestId('provider_keys-table').getByText('cohere').first().waitFor();
    assert.ok(!(await page.content()).includes(UPSTREAM), 'no secret in the page');
    await shot('providers');
  });

  it('works on a narrow window with the menu, by keyboard', async () => {
    await page.setViewportSize({ width: 420, height: 860 });
    await page.getByRole('button', { name: 'Menu' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await shot('overview-narrow');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('signs out; a caller key then sees only My usage', async () => {
    await page.getByTestId('sign-out').click();
    await page.getByLabel('Key').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await page.getByLabel('Key').fill(callerKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'My usage' }).waitFor();
    const links = await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allInnerTexts();
    assert.deepEqual(links, ['My usage']);
    await page.getByTestId('me-name').getByText('browser-key').waitFor();
    // 6 calls plus the playground's 2, all made with this key.
    await page.getByTestId('total-requests').getByText('8', { exact: true }).waitFor();
    assert.match(await text('budget-left'), /\$4\.99/);
    await page.goto(`${gw.adminUrl}/ui/#/keys`);
    await page.getByRole('heading', { level: 1, name: 'My usage' }).waitFor();
    await shot('my-usage');
  });

  it('logged no browser console errors beyond the two refusals the test provoked', () => {
    // Chromium reports every 4xx fetch as a console error: the wrong key (401) and the invalid rpm (400) are expected.
    const provoked = [/status of 401 .*\/admin\/v1\/roles$/, /status of 400 .*\/admin\/v1\/apikeys$/];
    const unexpected = consoleErrors.filter((e) => !provoked.some((p) => p.test(e)));
    assert.deepEqual(unexpected, []);
    assert.equal(consoleErrors.length, 2, consoleErrors.join('\n'));
  });
});
