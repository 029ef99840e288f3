// Tiers over the API and the pricing page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, newUser } from './harness.mjs';

let server, owner, member;
before(async () => {
  server = await startServer();
  owner = await newUser(server.base, 'owner');
  member = await newUser(server.base, 'member');
  await owner.post('/api/v1/communities', { slug: 'tier-club', name: 'Tier Club' });
  await member.post('/api/v1/communities/tier-club/join', {});
});
after(async () => { await server.stop(); });

test('owners create tiers; the documented shape comes back; members cannot', async () => {
  const gold = await owner.post('/api/v1/communities/tier-club/tiers', {
    name: 'Gold', description: 'All posts and Q&A', price: { amount_minor: 19900, currency: 'CNY' }, interval: 'year' });
  assert.equal(gold.status, 201);
  assert.ok(gold.data.tier.id);
  assert.deepEqual(gold.data.tier.price, { amount_minor: 19900, currency: 'CNY' });
  const usd = await owner.post('/api/v1/communities/tier-club/tiers', {
    name: 'Global', price: { amount_minor: 1500, currency: 'USD' }, interval: 'fixed_term', term_days: 365 });
  assert.equal(usd.status, 201);
  assert.equal(usd.data.tier.term_days, 365);
  const denied = await member.post('/api/v1/communities/tier-club/tiers', { name: 'Mine', price: { amount_minor: 1, currency: 'CNY' }, interval: 'month' });
  assert.equal(denied.status, 403);
  const bad = await owner.post('/api/v1/communities/tier-club/tiers', { name: 'Free monthly', price: { amount_minor: 0, currency: 'CNY' }, interval: 'month' });
  assert.equal(bad.status, 400);
  assert.equal(bad.data.error.code, 'billing.free_tier_interval');
  const list = await new Client(server.base).get('/api/v1/communities/tier-club/tiers');
  assert.deepEqual(list.data.tiers.map((t) => t.name), ['Gold', 'Global']);
  const archived = await owner.patch(`/api/v1/tiers/${gold.data.tier.id}`, { archived: true });
  assert.equal(archived.data.tier.archived, true);
  assert.deepEqual((await new Client(server.base).get('/api/v1/communities/tier-club/tiers')).data.tiers.map((t) => t.name), ['Global']);
  assert.equal((await owner.get('/api/v1/communities/tier-club/tiers?archived=1')).data.tiers.length, 2);
  assert.equal((await member.patch(`/api/v1/tiers/${gold.data.tier.id}`, { archived: false })).status, 403);
});

test('the pricing page lists plans; owners add one through its form', async () => {
  const browser = new Client(server.base);
  await browser.post('/api/v1/auth/login', { login: owner.username, password: 'correct horse battery' });
  const csrf = await browser.csrfFrom('/c/tier-club/pricing');
  const bad = await browser.request('POST', '/c/tier-club/pricing/tiers', { form: { _csrf: csrf, name: 'Bad', price: '9.999', interval: 'month' } });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /field-error/);
  const made = await browser.request('POST', '/c/tier-club/pricing/tiers', {
    form: { _csrf: csrf, name: 'Student', price: '9.90', interval: 'month', trial_days: '7', description: 'Half price' } });
  assert.equal(made.status, 303);
  const page = await new Client(server.base).get('/c/tier-club/pricing');
  assert.match(page.text, /Student/);
  assert.match(page.text, /¥9\.90/);
  assert.doesNotMatch(page.text, /New plan/, 'visitors see no management form');
  const zh = await new Client(server.base).get('/c/tier-club/pricing', { headers: { 'Accept-Language': 'zh-CN' } });
  assert.match(zh.text, /会员方案/);
  const tiers = (await new Client(server.base).get('/api/v1/communities/tier-club/tiers')).data.tiers;
  assert.deepEqual(tiers.find((t) => t.name === 'Student').price, { amount_minor: 990, currency: 'CNY' });
});
