// A community's books over HTTP: balance, ledger (JSON pages and CSV), daily revenue, and the
// revenue page with its SVG chart; only owners and admins get in, whatever the door.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, Client, newUser, binary } from './harness.mjs';

let server, owner, member;
before(async () => {
  server = await startServer(['--platform-fee-bps', '500']);
  owner = await newUser(server.base, 'owner');
  member = await newUser(server.base, 'member');
  await owner.post('/api/v1/communities', { slug: 'books', name: 'Books Club' });
  const gold = (await owner.post('/api/v1/communities/books/tiers', { name: 'Gold', price: { amount_minor: 10000, currency: 'CNY' }, interval: 'year' })).data.tier;
  const intl = (await owner.post('/api/v1/communities/books/tiers', { name: 'Intl', price: { amount_minor: 2000, currency: 'USD' }, interval: 'lifetime' })).data.tier;
  for (const [who, tier] of [[member, gold], [await newUser(server.base, 'second'), gold], [await newUser(server.base, 'third'), intl]]) {
    const checkout = (await who.post('/api/v1/checkout', { tier_id: tier.id, provider: 'manual' })).data.checkout;
    assert.equal((await owner.post(`/api/v1/checkout/${checkout.id}/confirm`, {})).status, 200);
  }
});
after(async () => { await server.stop(); });

test('balance per currency, own currency first, with the accounts', async () => {
  const res = await owner.get('/api/v1/communities/books/balance');
  assert.equal(res.status, 200);
  const [cny, usd] = res.data.balances;
  assert.equal(cny.currency, 'CNY');
  assert.deepEqual(cny.gross, { amount_minor: 20000, currency: 'CNY' });
  assert.deepEqual(cny.fees, { amount_minor: 1000, currency: 'CNY' });
  assert.deepEqual(cny.net, { amount_minor: 19000, currency: 'CNY' });
  assert.equal(cny.payments, 2);
  assert.deepEqual(usd.net, { amount_minor: 1900, currency: 'USD' });
  const revenue = res.data.accounts.find((a) => a.code.endsWith(':revenue') && a.balance.currency === 'CNY');
  assert.deepEqual(revenue.balance, { amount_minor: -19000, currency: 'CNY' });
  // The directory shows the same net figure.
  const dir = await new Client(server.base).get('/api/v1/communities?sort=income&limit=1');
  assert.deepEqual(dir.data.communities[0].income, { amount_minor: 19000, currency: 'CNY' });
  assert.deepEqual(dir.data.communities[0].incomes, [{ amount_minor: 19000, currency: 'CNY' }, { amount_minor: 1900, currency: 'USD' }]);
  assert.deepEqual((await owner.get('/api/v1/communities/books')).data.community.incomes, dir.data.communities[0].incomes);
  assert.match((await new Client(server.base).get('/?sort=income')).text, /¥190\.00 \+ \$19\.00/);
  assert.match((await new Client(server.base).get('/c/books')).text, /¥190\.00 \+ \$19\.00/);
});

test('ledger pages by cursor, balanced entries, CSV by two doors', async () => {
  const first = await owner.get('/api/v1/communities/books/ledger?limit=2');
  assert.equal(first.status, 200);
  assert.equal(first.data.transactions.length, 2);
  assert.ok(first.data.next_cursor);
  for (const t of first.data.transactions) {
    assert.equal(t.kind, 'payment');
    const sums = {};
    for (const e of t.entries) sums[e.amount.currency] = (sums[e.amount.currency] || 0) + e.amount.amount_minor;
    for (const v of Object.values(sums)) assert.equal(v, 0);
    assert.match(t.reference, /^py_/);
  }
  const second = await owner.get(`/api/v1/communities/books/ledger?limit=2&cursor=${encodeURIComponent(first.data.next_cursor)}`);
  assert.equal(second.data.transactions.length, 1);
  assert.equal(second.data.next_cursor, null);
  assert.equal((await owner.get('/api/v1/communities/books/ledger?limit=0')).status, 400);
  assert.equal((await owner.get('/api/v1/communities/books/ledger?cursor=zzz')).status, 400);

  for (const path of ['/api/v1/communities/books/ledger.csv', '/api/v1/communities/books/ledger?format=csv']) {
    const csv = await owner.get(path);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type'), /^text\/csv/);
    assert.match(csv.headers.get('content-disposition'), /attachment; filename="books-ledger.csv"/);
    const lines = csv.text.trim().split('\r\n');
    assert.match(lines[0], /^transaction_id,/);
    assert.equal(lines.length, 1 + 3 * 3);  // Three payments of three entries each.
    assert.match(csv.text, /100\.00/);
  }
});

test('daily revenue for the chart', async () => {
  const res = await owner.get('/api/v1/communities/books/revenue?days=7');
  assert.equal(res.status, 200);
  assert.equal(res.data.currency, 'CNY');
  assert.equal(res.data.days.length, 7);
  assert.equal(res.data.days[6].date, new Date().toISOString().slice(0, 10));
  assert.deepEqual(res.data.days[6].net, { amount_minor: 19000, currency: 'CNY' });
  const usd = await owner.get('/api/v1/communities/books/revenue?days=1&currency=USD');
  assert.deepEqual(usd.data.days[0].net, { amount_minor: 1900, currency: 'USD' });
  assert.equal((await owner.get('/api/v1/communities/books/revenue?days=0')).status, 400);
  assert.equal((await owner.get('/api/v1/communities/books/revenue?currency=XXX')).status, 400);
});

test('the revenue page: balance, SVG chart, transactions, CSV link; zh-CN too', async () => {
  const browser = new Client(server.base);
  await browser.post('/api/v1/auth/login', { login: owner.username, password: 'correct horse battery' });
  const page = await browser.get('/c/books/revenue');
  assert.equal(page.status, 200);
  assert.match(page.text, /¥190\.00/);
  assert.match(page.text, /<svg class="revenue-chart"/);
  assert.equal((page.text.match(/<rect class="chart-bar"/g) || []).length, 1);  // One day with bookings.
  assert.match(page.text, /<title>\d{4}-\d\d-\d\d: ¥190\.00<\/title>/);
  assert.match(page.text, /href="\/api\/v1\/communities\/books\/ledger\.csv"/);
  assert.equal((page.text.match(/<tr><td>/g) || []).length, 3);
  assert.match((await browser.get('/c/books/pricing')).text, /href="\/c\/books\/revenue"/);
  const zh = await browser.request('GET', '/c/books/revenue', { headers: { 'accept-language': 'zh-CN' } });
  assert.match(zh.text, /净收入/);
});

test('members, strangers and anonymous visitors never see the books', async () => {
  const stranger = await newUser(server.base, 'stranger');
  const anonymous = new Client(server.base);
  for (const path of ['/api/v1/communities/books/balance', '/api/v1/communities/books/ledger',
    '/api/v1/communities/books/ledger.csv', '/api/v1/communities/books/revenue']) {
    assert.equal((await member.get(path)).status, 403, path);
    assert.equal((await stranger.get(path)).status, 403, path);
    assert.equal((await anonymous.get(path)).status, 401, path);
  }
  assert.equal((await owner.get('/api/v1/communities/nope/balance')).status, 404);
  const browser = new Client(server.base);
  await browser.post('/api/v1/auth/login', { login: member.username, password: 'correct horse battery' });
  const page = await browser.get('/c/books/revenue');
  assert.equal(page.status, 403);
  assert.doesNotMatch(page.text, /¥190/);
  assert.doesNotMatch((await browser.get('/c/books/pricing')).text, /\/c\/books\/revenue/);
  const out = execFileSync(binary, ['ledger', 'check', '--database', server.database], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(out, /ledger check: ok/);
});
