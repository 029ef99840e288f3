// Browser test: buying, in headless Debian chromium (playwright-core) against the real binary
// and the tests' Stripe stand-in (tests/fakes/stripe.mjs, which also serves a hosted pay page
// like Stripe Checkout's). A reader meets the paywall, pays a post by card (our page -> the
// stand-in's page -> the signed webhook -> our success page) and reads it; another joins a plan
// by bank transfer, the owner confirms it on the pricing page, and the plan's post opens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, newUser } from '../http/harness.mjs';
import { startFakeStripe } from '../fakes/stripe.mjs';
import { launchBrowser, newPage, PASSWORD } from './support.mjs';

const FAILURE_SCREENSHOT = '/tmp/gh-browser-buy-failure.png';
const SECRET = 'CARD_PAID_SECRET_51a';
const PLAN_SECRET = 'PLAN_SECRET_77e';

let server, stripe, browser, owner, single, planPost;

before(async () => {
  stripe = await startFakeStripe({ secretKey: 'sk_test_browser', webhookSecret: 'whsec_browser' });
  server = await startServer(['--stripe-api-base', stripe.base, '--stripe-secret-key', stripe.secretKey,
    '--stripe-webhook-secret', stripe.webhookSecret]);
  stripe.webhookUrl = `${server.base}/webhooks/stripe`;
  owner = await newUser(server.base, 'owner');
  await owner.post('/api/v1/communities', { slug: 'shop', name: 'Shop' });
  await owner.post('/api/v1/communities/shop/tiers', { name: 'Pro', price: { amount_minor: 19900, currency: 'CNY' }, interval: 'year' });
  single = (await owner.post('/api/v1/communities/shop/posts', {
    title: 'Card post', kind: 'article', body_md: `Free part.\n\n<!-- paywall -->\n\n${SECRET}`,
    price: { amount_minor: 990, currency: 'CNY' } })).data.post;
  planPost = (await owner.post('/api/v1/communities/shop/posts', {
    title: 'Plan post', kind: 'article', body_md: `Teaser.\n\n<!-- paywall -->\n\n${PLAN_SECRET}`, visibility: 'paid' })).data.post;
  browser = await launchBrowser();
});

after(async () => {
  try { if (browser) await browser.close(); } catch { /* already gone */ }
  if (server) await server.stop();
  if (stripe) await stripe.close();
});

async function signedInPage(user) {
  const page = await newPage(browser, server.base, user.username);
  await page.goto('/login');
  await page.getByLabel('E-mail or username').fill(user.username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('details.user-menu').waitFor();
  return page;
}

async function step(page, fn) {
  try {
    await fn();
  } catch (e) {
    await page.screenshot({ path: FAILURE_SCREENSHOT, fullPage: true }).catch(() => {});
    throw e;
  }
}

test('pay a post by card: paywall, the provider\'s page, the webhook, the success page, the post', async () => {
  const reader = await newUser(server.base, 'reader');
  const page = await signedInPage(reader);
  await step(page, async () => {
    await page.goto(`/p/${single.id}`);
    await page.locator('.paywall').waitFor();
    assert.equal(await page.getByText(SECRET).count(), 0);
    await page.getByRole('button', { name: 'Pay by card' }).click();
    // The stand-in's hosted page, on another origin, as Stripe Checkout would be.
    await page.waitForURL(`${stripe.base}/pay/**`);
    assert.match(await page.locator('h1').innerText(), /Pay 990 cny/);
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL(/\/checkout\/co_[\w-]+\/success$/);
    await page.getByText('Payment received').first().waitFor();
    await page.getByRole('link', { name: 'Read the post' }).click();
    await page.waitForURL(`**/p/${single.id}`);
    await page.getByText(SECRET).waitFor();
    assert.equal(await page.locator('.paywall').count(), 0);
  });
  assert.deepEqual(page.problems, []);
});

test('join a plan by bank transfer; the owner confirms it on the pricing page', async () => {
  const member = await newUser(server.base, 'member');
  const page = await signedInPage(member);
  const admin = await signedInPage(owner);
  await step(page, async () => {
    await page.goto(`/p/${planPost.id}`);
    await page.getByRole('link', { name: /plans/i }).first().click();
    await page.waitForURL('**/c/shop/pricing');
    await page.getByRole('button', { name: 'Join this plan' }).click();
    await page.waitForURL(/\/checkout\/co_/);
    await page.getByText('Pay by bank transfer or in person').waitFor();
    const reference = (await page.locator('code.token').innerText()).trim();
    assert.match(reference, /^co_/);

    await admin.goto('/c/shop/pricing');
    const row = admin.locator('li', { hasText: reference });
    await row.getByRole('button', { name: 'Confirm payment received' }).click();
    await admin.waitForURL('**/c/shop/pricing');
    assert.equal(await admin.locator('li', { hasText: reference }).getByRole('button', { name: 'Confirm payment received' }).count(), 0);

    await page.goto(`/p/${planPost.id}`);
    await page.getByText(PLAN_SECRET).waitFor();
    await page.goto('/account/billing');
    await page.getByText('Shop · Pro').waitFor();
  });
  assert.deepEqual(page.problems, []);
  assert.deepEqual(admin.problems, []);
});
