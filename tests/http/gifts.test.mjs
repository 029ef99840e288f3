// Gift purchases: a member buys a plan for someone else (API and page), gets a code, a friend
// redeems it; refunds void an unredeemed gift and are refused once it is redeemed; the books
// stay right throughout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, Client, newUser, binary } from './harness.mjs';

let server, owner, gold;
before(async () => {
  server = await startServer();
  owner = await newUser(server.base, 'owner');
  await owner.post('/api/v1/communities', { slug: 'gifts', name: 'Gifts' });
  gold = (await owner.post('/api/v1/communities/gifts/tiers', { name: 'Gold', price: { amount_minor: 5000, currency: 'CNY' }, interval: 'month' })).data.tier;
});
after(async () => { await server.stop(); });

async function buyGift(buyer) {
  const started = await buyer.post('/api/v1/checkout', { tier_id: gold.id, provider: 'manual', gift: true });
  assert.equal(started.status, 201, started.text);
  assert.equal(started.data.checkout.gift, true);
  assert.equal(started.data.checkout.gift_code, null);
  const paid = await owner.post(`/api/v1/checkout/${started.data.checkout.id}/confirm`, {});
  assert.equal(paid.status, 200);
  const checkout = (await buyer.get(`/api/v1/checkout/${started.data.checkout.id}`)).data.checkout;
  assert.match(checkout.gift_code, /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
  return { code: checkout.gift_code, payment: paid.data.payment };
}

test('a gift: paid and booked, no membership for the buyer, the friend redeems it', async () => {
  const buyer = await newUser(server.base, 'giver');
  const friend = await newUser(server.base, 'friend');
  const { code, payment } = await buyGift(buyer);
  assert.deepEqual(payment.amount, { amount_minor: 5000, currency: 'CNY' });
  assert.deepEqual((await buyer.get('/api/v1/me/memberships')).data.memberships, []);
  let gifts = (await buyer.get('/api/v1/me/gifts')).data.gifts;
  assert.deepEqual(gifts.map((g) => [g.code, g.status, g.community, g.tier]), [[code, 'available', 'gifts', 'Gold']]);

  const redeemed = await friend.post('/api/v1/redeem', { code: code.toLowerCase() });
  assert.equal(redeemed.status, 200, redeemed.text);
  assert.equal(redeemed.data.membership.status, 'active');
  assert.equal((await friend.post('/api/v1/redeem', { code })).status, 409);
  gifts = (await buyer.get('/api/v1/me/gifts')).data.gifts;
  assert.equal(gifts[0].status, 'redeemed');
  // Redeemed: the money paid for someone's access is not refunded here (a dispute is the way).
  const refused = await buyer.post(`/api/v1/payments/${payment.id}/refund`, {});
  assert.equal(refused.status, 409);
  assert.equal(refused.data.error.code, 'billing.gift_redeemed');
  assert.equal((await owner.post(`/api/v1/payments/${payment.id}/refund`, {})).status, 409);
  assert.equal((await friend.get('/api/v1/me/memberships')).data.memberships[0].status, 'active');

  const balance = (await owner.get('/api/v1/communities/gifts/balance')).data.balances[0];
  assert.deepEqual(balance.net, { amount_minor: 4750, currency: 'CNY' });
});

test('refunding an unredeemed gift voids its code', async () => {
  const buyer = await newUser(server.base, 'changed');
  const { code, payment } = await buyGift(buyer);
  const refunded = await buyer.post(`/api/v1/payments/${payment.id}/refund`, {});
  assert.equal(refunded.status, 200, refunded.text);
  assert.equal((await buyer.get('/api/v1/me/gifts')).data.gifts[0].status, 'void');
  const late = await (await newUser(server.base, 'late')).post('/api/v1/redeem', { code });
  assert.equal(late.status, 409);
  assert.equal(late.data.error.code, 'billing.code_void');
  // Only tiers can be gifts.
  const post = (await owner.post('/api/v1/communities/gifts/posts', { title: 'x', body_md: 'a\n\n<!-- paywall -->\n\nb', kind: 'article', price: { amount_minor: 100, currency: 'CNY' } })).data.post;
  const bad = await buyer.post('/api/v1/checkout', { post_id: post.id, provider: 'manual', gift: true });
  assert.equal(bad.status, 400);
  assert.equal(bad.data.error.code, 'billing.gift_tier_only');
});

test('from the pages: the gift box on the pricing page, the code on the checkout page, the account page', async () => {
  const buyer = await newUser(server.base, 'pagegiver');
  const browser = new Client(server.base);
  await browser.post('/api/v1/auth/login', { login: buyer.username, password: 'correct horse battery' });
  const pricing = await browser.get('/c/gifts/pricing');
  assert.match(pricing.text, /name="gift" value="1"/);
  const csrf = pricing.text.match(/name="_csrf" value="([^"]+)"/)[1];
  const bought = await browser.request('POST', '/checkout', { form: { _csrf: csrf, tier_id: String(gold.id), gift: '1', provider: 'manual' } });
  assert.equal(bought.status, 303);
  const id = bought.headers.get('location').split('/').pop();
  assert.equal((await owner.post(`/api/v1/checkout/${id}/confirm`, {})).status, 200);
  const page = await browser.get(`/checkout/${id}`);
  const code = page.text.match(/<code class="token" data-copy>([2-9A-Z-]{14})<\/code>/)[1];
  assert.match(page.text, new RegExp(`href="/redeem\\?code(=|&#61;)${code}"`));  // '=' is escaped in attributes.
  const account = await browser.get('/account/billing');
  assert.match(account.text, new RegExp(`<code>${code}</code>`));
  assert.match(account.text, /not yet redeemed/);
  // The owner sees the gift among the community's code batches.
  const batches = (await owner.get('/api/v1/communities/gifts/code-batches')).data.batches;
  assert.ok(batches.some((b) => b.note === `gift from @${buyer.username}`));
  const out = execFileSync(binary, ['ledger', 'check', '--database', server.database], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(out, /ledger check: ok/);
});
