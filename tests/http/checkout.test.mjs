// Buying over HTTP with the manual provider: a tier (then the paid post opens), a post for sale,
// repeated confirmations, and the books checked by `guildhall ledger check` afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, Client, newUser, binary } from './harness.mjs';

let server, owner, buyer, gold;
before(async () => {
  server = await startServer(['--platform-fee-bps', '1000']);
  owner = await newUser(server.base, 'owner');
  buyer = await newUser(server.base, 'buyer');
  await owner.post('/api/v1/communities', { slug: 'shop', name: 'Shop' });
  gold = (await owner.post('/api/v1/communities/shop/tiers', { name: 'Gold', price: { amount_minor: 9900, currency: 'CNY' }, interval: 'month' })).data.tier;
});
after(async () => { await server.stop(); });

test('buy a tier with a manual payment; the paid post opens; repeats book once', async () => {
  const post = (await owner.post('/api/v1/communities/shop/posts', {
    title: 'Members only', body_md: 'teaser\n\n<!-- paywall -->\n\nGOLD_CONTENT', visibility: 'paid', kind: 'article' })).data.post;
  assert.equal((await buyer.get(`/api/v1/posts/${post.id}`)).data.post.locked, true);

  const started = await buyer.post('/api/v1/checkout', { tier_id: gold.id, provider: 'manual' });
  assert.equal(started.status, 201);
  const checkout = started.data.checkout;
  assert.equal(checkout.status, 'pending');
  assert.match(checkout.id, /^co_/);
  assert.equal(checkout.redirect_url, `/checkout/${checkout.id}`);
  assert.deepEqual(checkout.amount, { amount_minor: 9900, currency: 'CNY' });

  assert.equal((await buyer.post(`/api/v1/checkout/${checkout.id}/confirm`, {})).status, 403);
  const pending = await owner.get('/api/v1/communities/shop/checkouts');
  assert.equal(pending.data.checkouts.length, 1);
  const confirmed = await owner.post(`/api/v1/checkout/${checkout.id}/confirm`, {});
  assert.equal(confirmed.status, 200);
  assert.deepEqual(confirmed.data.payment.fee, { amount_minor: 990, currency: 'CNY' });
  const again = await owner.post(`/api/v1/checkout/${checkout.id}/confirm`, {});
  assert.equal(again.data.payment.id, confirmed.data.payment.id);

  const open = await buyer.get(`/api/v1/posts/${post.id}`);
  assert.equal(open.data.post.locked, false);
  assert.ok(open.data.post.body_html.includes('GOLD_CONTENT'));
  assert.match((await buyer.get(`/p/${post.id}`)).text, /GOLD_CONTENT/);
  assert.doesNotMatch((await new Client(server.base).get(`/p/${post.id}`)).text, /GOLD_CONTENT/);

  const memberships = (await buyer.get('/api/v1/me/memberships')).data.memberships;
  assert.equal(memberships.length, 1);
  assert.equal(memberships[0].status, 'active');
  assert.equal(memberships[0].community, 'shop');
  const payments = (await buyer.get('/api/v1/me/payments')).data.payments;
  assert.equal(payments.length, 1);
  assert.deepEqual(payments[0].amount, { amount_minor: 9900, currency: 'CNY' });
  const dir = await new Client(server.base).get('/api/v1/communities?sort=income&limit=1');
  assert.equal(dir.data.communities[0].slug, 'shop');
  assert.deepEqual(dir.data.communities[0].income, { amount_minor: 8910, currency: 'CNY' });
});

test('buy a post for sale through the pages', async () => {
  const post = (await owner.post('/api/v1/communities/shop/posts', {
    title: 'Single', body_md: 'teaser\n\n<!-- paywall -->\n\nSOLD_CONTENT', price: { amount_minor: 500, currency: 'CNY' }, kind: 'article' })).data.post;
  const browser = new Client(server.base);
  const fan = await newUser(server.base, 'fan');
  await browser.post('/api/v1/auth/login', { login: fan.username, password: 'correct horse battery' });
  let csrf = await browser.csrfFrom(`/p/${post.id}`);
  const bought = await browser.request('POST', '/checkout', { form: { _csrf: csrf, post_id: String(post.id), provider: 'manual' } });
  assert.equal(bought.status, 303);
  const url = bought.headers.get('location');
  assert.match(url, /^\/checkout\/co_/);
  assert.match((await browser.get(url)).text, /bank transfer/i);
  const admin = new Client(server.base);
  await admin.post('/api/v1/auth/login', { login: owner.username, password: 'correct horse battery' });
  const pricing = await admin.get('/c/shop/pricing');
  assert.match(pricing.text, /Payments waiting for confirmation/);
  csrf = await admin.csrfFrom('/c/shop/pricing');
  assert.equal((await admin.request('POST', `${url}/confirm`, { form: { _csrf: csrf, next: '/c/shop/pricing' } })).status, 303);
  assert.match((await browser.get(`/p/${post.id}`)).text, /SOLD_CONTENT/);
  assert.match((await browser.get('/account/billing')).text, /¥5\.00/);
});

test('refusals and the books', async () => {
  assert.equal((await buyer.post('/api/v1/checkout', { provider: 'manual' })).status, 400);
  assert.equal((await buyer.post('/api/v1/checkout', { tier_id: gold.id, provider: 'stripe' })).status, 503);
  assert.equal((await buyer.post('/api/v1/checkout', { tier_id: 999999, provider: 'manual' })).status, 404);
  assert.equal((await new Client(server.base).post('/api/v1/checkout', { tier_id: gold.id, provider: 'manual' })).status, 401);
  const nosy = await newUser(server.base, 'nosy');
  const mine = (await buyer.post('/api/v1/checkout', { tier_id: gold.id, provider: 'manual' })).data.checkout;
  assert.equal((await nosy.get(`/api/v1/checkout/${mine.id}`)).status, 404);
  const out = execFileSync(binary, ['ledger', 'check', '--database', server.database], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(out, /ledger check: ok/);
});
