// Offers over HTTP: coupons at checkout, trials, gift/redeem code batches with their CSV, the
// /redeem page, and the pricing page's admin forms (with CSRF); the books checked afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, Client, newUser, binary } from './harness.mjs';

let server, owner, gold;
const password = 'correct horse battery';

async function browserFor(user) {
  const browser = new Client(server.base);
  const r = await browser.post('/api/v1/auth/login', { login: user.username, password });
  assert.equal(r.status, 200);
  return browser;
}

before(async () => {
  server = await startServer(['--platform-fee-bps', '1000']);
  owner = await newUser(server.base, 'owner');
  await owner.post('/api/v1/communities', { slug: 'deals', name: 'Deals' });
  gold = (await owner.post('/api/v1/communities/deals/tiers', {
    name: 'Gold', price: { amount_minor: 10000, currency: 'CNY' }, interval: 'month', trial_days: 7 })).data.tier;
});
after(async () => { await server.stop(); });

test('coupons: create, list, archive, and a discounted checkout that books what was paid', async () => {
  const member = await newUser(server.base, 'member');
  const created = await owner.post('/api/v1/communities/deals/coupons', { code: 'Spring20', percent_off: 20, duration: 'once', max_redemptions: 5 });
  assert.equal(created.status, 201);
  const coupon = created.data.coupon;
  assert.equal(coupon.code, 'SPRING20');
  assert.equal(coupon.redemptions, 0);
  assert.equal((await owner.post('/api/v1/communities/deals/coupons', { code: 'spring20', percent_off: 5, duration: 'once' })).data.error.code, 'billing.coupon_code_taken');
  assert.equal((await member.post('/api/v1/communities/deals/coupons', { code: 'MINE', percent_off: 5, duration: 'once' })).status, 403);
  const bad = await owner.post('/api/v1/communities/deals/coupons', { code: 'BAD', percent_off: 150, duration: 'once' });
  assert.equal(bad.status, 400);
  assert.equal(bad.data.error.code, 'billing.invalid_discount');
  assert.equal((await owner.post('/api/v1/communities/deals/coupons', { code: 'OLD', percent_off: 5, duration: 'once', expires_at: 'yesterday' })).data.error.code, 'billing.invalid_expiry');
  assert.equal((await owner.get('/api/v1/communities/deals/coupons')).data.coupons.length, 1);
  assert.equal((await member.get('/api/v1/communities/deals/coupons')).status, 403);

  const started = await member.post('/api/v1/checkout', { tier_id: gold.id, provider: 'manual', coupon: 'spring20' });
  assert.equal(started.status, 201);
  const checkout = started.data.checkout;
  assert.deepEqual(checkout.amount, { amount_minor: 8000, currency: 'CNY' });
  assert.deepEqual(checkout.list_amount, { amount_minor: 10000, currency: 'CNY' });
  assert.deepEqual(checkout.renewal_amount, { amount_minor: 10000, currency: 'CNY' });
  assert.equal(checkout.coupon, 'SPRING20');
  const paid = await owner.post(`/api/v1/checkout/${checkout.id}/confirm`, {});
  assert.deepEqual(paid.data.payment.amount, { amount_minor: 8000, currency: 'CNY' });
  assert.deepEqual(paid.data.payment.fee, { amount_minor: 800, currency: 'CNY' });
  assert.equal((await owner.get('/api/v1/communities/deals/coupons')).data.coupons[0].redemptions, 1);

  const forever = (await owner.post('/api/v1/communities/deals/coupons', { code: 'LOYAL', amount_off: { amount_minor: 1500, currency: 'CNY' }, duration: 'forever', tier_ids: [gold.id] })).data.coupon;
  assert.deepEqual(forever.tier_ids, [gold.id]);
  const loyal = (await member.post('/api/v1/checkout', { tier_id: gold.id, provider: 'manual', coupon: 'loyal' })).data.checkout;
  assert.deepEqual(loyal.renewal_amount, { amount_minor: 8500, currency: 'CNY' });

  await owner.post('/api/v1/communities/deals/coupons', { code: 'DOLLAR', amount_off: { amount_minor: 100, currency: 'USD' }, duration: 'once' });
  const refusals = [
    ['NOPE', 'billing.coupon_not_found'],
    ['DOLLAR', 'billing.coupon_currency'],
  ];
  for (const [code, error] of refusals) {
    const r = await member.post('/api/v1/checkout', { tier_id: gold.id, provider: 'manual', coupon: code });
    assert.equal(r.status, 400, code);
    assert.equal(r.data.error.code, error);
    assert.equal(r.data.error.fields.coupon, error);
  }
  const archived = await owner.patch(`/api/v1/coupons/${coupon.id}`, { archived: true });
  assert.equal(archived.data.coupon.archived, true);
  assert.equal((await member.patch(`/api/v1/coupons/${coupon.id}`, { archived: false })).status, 404);
  assert.equal((await member.post('/api/v1/checkout', { tier_id: gold.id, provider: 'manual', coupon: 'SPRING20' })).data.error.code, 'billing.coupon_not_found');
});

test('a 100% coupon completes the checkout at once and books nothing', async () => {
  const friend = await newUser(server.base, 'friend');
  await owner.post('/api/v1/communities/deals/coupons', { code: 'FRIEND', percent_off: 100, duration: 'once', max_redemptions: 1 });
  const r = await friend.post('/api/v1/checkout', { tier_id: gold.id, provider: 'manual', coupon: 'friend' });
  assert.equal(r.status, 201);
  assert.equal(r.data.checkout.status, 'completed');
  assert.deepEqual(r.data.checkout.amount, { amount_minor: 0, currency: 'CNY' });
  const memberships = (await friend.get('/api/v1/me/memberships')).data.memberships;
  assert.equal(memberships[0].status, 'active');
  const other = await newUser(server.base, 'other');
  assert.equal((await other.post('/api/v1/checkout', { tier_id: gold.id, provider: 'manual', coupon: 'friend' })).data.error.code, 'billing.coupon_exhausted');
});

test('trials: once per tier, through the API and the pricing page button', async () => {
  const post = (await owner.post('/api/v1/communities/deals/posts', {
    title: 'Gold only', body_md: 'teaser\n\n<!-- paywall -->\n\nTRIAL_CONTENT', visibility: 'paid', kind: 'article' })).data.post;
  const trier = await newUser(server.base, 'trier');
  const started = await trier.post(`/api/v1/tiers/${gold.id}/trial`, {});
  assert.equal(started.status, 201);
  assert.equal(started.data.membership.status, 'active');
  assert.equal(started.data.membership.tier_id, gold.id);
  const days = (Date.parse(started.data.membership.current_period_end) - Date.now()) / 86400000;
  assert.ok(days > 6.9 && days <= 7, `7 days, got ${days}`);
  assert.equal((await trier.get(`/api/v1/posts/${post.id}`)).data.post.locked, false);
  assert.equal((await trier.get('/api/v1/me/payments')).data.payments.length, 0);
  const again = await trier.post(`/api/v1/tiers/${gold.id}/trial`, {});
  assert.equal(again.status, 409);
  assert.equal(again.data.error.code, 'billing.trial_used');

  const silver = (await owner.post('/api/v1/communities/deals/tiers', { name: 'Silver', price: { amount_minor: 500, currency: 'CNY' }, interval: 'month' })).data.tier;
  assert.equal((await trier.post(`/api/v1/tiers/${silver.id}/trial`, {})).data.error.code, 'billing.no_trial');

  const visitor = await newUser(server.base, 'visitor');
  const browser = await browserFor(visitor);
  const pricing = await browser.get('/c/deals/pricing');
  assert.match(pricing.text, /Start 7-day trial/);
  assert.match(pricing.text, /name="coupon"/);
  const csrf = await browser.csrfFrom('/c/deals/pricing');
  const noCsrf = await browser.request('POST', `/c/deals/pricing/tiers/${gold.id}/trial`, { form: {} });
  assert.equal(noCsrf.status, 403);
  const clicked = await browser.request('POST', `/c/deals/pricing/tiers/${gold.id}/trial`, { form: { _csrf: csrf } });
  assert.equal(clicked.status, 303);
  assert.equal(clicked.headers.get('location'), '/c/deals');
  assert.doesNotMatch((await browser.get('/c/deals/pricing')).text, /Start 7-day trial/);
  assert.equal((await visitor.get('/api/v1/me/memberships')).data.memberships.length, 1);

  // Buying during the trial extends from the trial's end.
  const checkout = (await visitor.post('/api/v1/checkout', { tier_id: gold.id, provider: 'manual' })).data.checkout;
  const paid = await owner.post(`/api/v1/checkout/${checkout.id}/confirm`, {});
  assert.equal(paid.data.payment.kind, 'renewal');
  const after = (await visitor.get('/api/v1/me/memberships')).data.memberships;
  assert.equal(after.length, 1);
  const total = (Date.parse(after[0].current_period_end) - Date.now()) / 86400000;
  assert.ok(total > 34, `trial days plus a month, got ${total}`);
});

test('code batches: generate, list, CSV export, redeem once, throttle guessing', async () => {
  const evil = (await owner.post('/api/v1/communities/deals/tiers', { name: '=HYPERLINK("x")', price: { amount_minor: 300, currency: 'CNY' }, interval: 'lifetime' })).data.tier;
  const made = await owner.post('/api/v1/communities/deals/code-batches', { tier_id: gold.id, count: 5, note: 'conference giveaway', expires_at: '2099-01-01T00:00:00Z' });
  assert.equal(made.status, 201);
  assert.equal(made.data.codes.length, 5);
  for (const c of made.data.codes) assert.match(c, /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
  assert.equal(made.data.batch.note, 'conference giveaway');
  const member = await newUser(server.base, 'codes');
  assert.equal((await member.post('/api/v1/communities/deals/code-batches', { tier_id: gold.id, count: 1 })).status, 403);
  assert.equal((await owner.post('/api/v1/communities/deals/code-batches', { tier_id: gold.id, count: 1001 })).data.error.code, 'billing.invalid_code_count');
  assert.equal((await owner.get('/api/v1/communities/deals/code-batches')).data.batches.length, 1);

  const code = made.data.codes[0];
  const redeemed = await member.post('/api/v1/redeem', { code: code.replaceAll('-', '').toLowerCase() });
  assert.equal(redeemed.status, 200);
  assert.equal(redeemed.data.membership.tier_id, gold.id);
  assert.equal(redeemed.data.membership.status, 'active');
  assert.equal((await member.get('/api/v1/me/payments')).data.payments.length, 0);
  const used = await (await newUser(server.base, 'late')).post('/api/v1/redeem', { code });
  assert.equal(used.status, 409);
  assert.equal(used.data.error.code, 'billing.code_used');

  const csv = await owner.get(`/api/v1/code-batches/${made.data.batch.id}/codes.csv`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  const lines = csv.text.trimEnd().split('\r\n');
  assert.equal(lines[0], '"code","tier","status","redeemed_by","redeemed_at","expires_at"');
  assert.equal(lines.length, 6);
  const first = lines.find((l) => l.startsWith(`"${code}"`));
  assert.match(first, new RegExp(`^"${code}","Gold","redeemed","${member.username}","\\d{4}-`));
  assert.match(lines.find((l) => l !== first && l !== lines[0]), /"available","","","2099-01-01T00:00:00Z"$/);
  assert.equal((await member.get(`/api/v1/code-batches/${made.data.batch.id}/codes.csv`)).status, 404);
  const evilBatch = (await owner.post('/api/v1/communities/deals/code-batches', { tier_id: evil.id, count: 1 })).data.batch;
  const evilCsv = await owner.get(`/api/v1/code-batches/${evilBatch.id}/codes.csv`);
  assert.match(evilCsv.text, /,"'=HYPERLINK\(""x""\)",/);
  const lifetime = await member.post('/api/v1/redeem', { code: (await owner.get(`/api/v1/code-batches/${evilBatch.id}/codes.csv`)).text.split('\r\n')[1].split(',')[0].replaceAll('"', '') });
  assert.equal(lifetime.data.membership.current_period_end, null);

  const guesser = await newUser(server.base, 'guesser');
  for (let i = 0; i < 10; i++) {
    const r = await guesser.post('/api/v1/redeem', { code: `ZZZZ-ZZZZ-ZZZ${'23456789AB'[i]}` });
    assert.equal(r.status, 404);
    assert.equal(r.data.error.code, 'billing.code_not_found');
  }
  const blocked = await guesser.post('/api/v1/redeem', { code: made.data.codes[1] });
  assert.equal(blocked.status, 429);
  assert.equal(blocked.data.error.code, 'billing.too_many_attempts');
  assert.ok(Number(blocked.headers.get('retry-after')) > 0);
});

test('pages: redeem form, coupon and batch forms in the pricing admin section, buying with a coupon', async () => {
  const admin = await browserFor(owner);
  let csrf = await admin.csrfFrom('/c/deals/pricing');
  const page = await admin.get('/c/deals/pricing');
  assert.match(page.text, /Gift and redeem codes/);
  assert.match(page.text, /id="coupons"/);
  const coupon = await admin.request('POST', '/c/deals/pricing/coupons', { form: { _csrf: csrf, code: 'PAGE50', kind: 'percent', value: '50', duration: 'forever', max_redemptions: '', expires_at: '2099-12-31', tier_id: String(gold.id) } });
  assert.equal(coupon.status, 303);
  const amount = await admin.request('POST', '/c/deals/pricing/coupons', { form: { _csrf: csrf, code: 'PAGEFIVE', kind: 'amount', value: '5.00', duration: 'once', tier_id: '' } });
  assert.equal(amount.status, 303);
  const coupons = (await owner.get('/api/v1/communities/deals/coupons')).data.coupons;
  const page50 = coupons.find((c) => c.code === 'PAGE50');
  assert.equal(page50.percent_off, 50);
  assert.equal(page50.expires_at, '2100-01-01T00:00:00Z');
  assert.deepEqual(page50.tier_ids, [gold.id]);
  assert.deepEqual(coupons.find((c) => c.code === 'PAGEFIVE').amount_off, { amount_minor: 500, currency: 'CNY' });
  assert.equal((await admin.request('POST', '/c/deals/pricing/coupons', { form: { code: 'NOCSRF', kind: 'percent', value: '5' } })).status, 403);
  const badForm = await admin.request('POST', '/c/deals/pricing/coupons', { form: { _csrf: csrf, code: 'X', kind: 'amount', value: '5', max_redemptions: '7' } });
  assert.equal(badForm.status, 400);
  // The pricing page again, the coupon form as typed and its error above it (not on the tier form).
  assert.match(badForm.text, /id="coupons"[\s\S]*class="alert alert-error"[\s\S]*name="code" maxlength="32" value="X"/);
  assert.match(badForm.text, /<option value="amount" selected>/);
  assert.match(badForm.text, /name="max_redemptions" min="1" value="7"/);
  const taken = await admin.request('POST', '/c/deals/pricing/coupons', { form: { _csrf: csrf, code: 'page50', kind: 'percent', value: '10' } });
  assert.equal(taken.status, 409);
  assert.match(taken.text, /name="code" maxlength="32" value="page50"/);
  const badBatch = await admin.request('POST', '/c/deals/pricing/code-batches', { form: { _csrf: csrf, tier_id: String(gold.id), count: '5000', note: 'too many' } });
  assert.equal(badBatch.status, 400);
  assert.match(badBatch.text, /id="codes"[\s\S]*class="alert alert-error"[\s\S]*name="note" maxlength="200" value="too many"/);
  const archive = await admin.request('POST', `/c/deals/pricing/coupons/${coupons.find((c) => c.code === 'PAGEFIVE').id}/archive`, { form: { _csrf: csrf, archived: '1' } });
  assert.equal(archive.status, 303);
  assert.equal((await owner.get('/api/v1/communities/deals/coupons')).data.coupons.find((c) => c.code === 'PAGEFIVE').archived, true);

  const batch = await admin.request('POST', '/c/deals/pricing/code-batches', { form: { _csrf: csrf, tier_id: String(gold.id), count: '3', expires_at: '', note: 'sold at the bookshop' } });
  assert.equal(batch.status, 303);
  const batches = (await owner.get('/api/v1/communities/deals/code-batches')).data.batches;
  const shop = batches.find((b) => b.note === 'sold at the bookshop');
  assert.equal(shop.count, 3);
  assert.match((await admin.get('/c/deals/pricing')).text, new RegExp(`/api/v1/code-batches/${shop.id}/codes.csv`));
  const csv = await admin.get(`/api/v1/code-batches/${shop.id}/codes.csv`);
  assert.equal(csv.status, 200, 'the download link works with the session cookie');
  const code = csv.text.split('\r\n')[1].split(',')[0].replaceAll('"', '');

  const fan = await newUser(server.base, 'fan');
  const browser = await browserFor(fan);
  assert.match((await browser.get('/account/billing')).text, /href="\/redeem"/);
  csrf = await browser.csrfFrom('/redeem');
  assert.ok(csrf);
  const wrong = await browser.request('POST', '/redeem', { form: { _csrf: csrf, code: 'ZZZZ-ZZZZ-ZZZZ' } });
  assert.equal(wrong.status, 404);
  assert.match(wrong.text, /No such code/);
  assert.match(wrong.text, /value="ZZZZ-ZZZZ-ZZZZ"/);
  assert.equal((await browser.request('POST', '/redeem', { form: { code } })).status, 403);
  const ok = await browser.request('POST', '/redeem', { form: { _csrf: csrf, code } });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/c/deals');
  assert.match((await browser.get('/account/billing')).text, /Gold/);

  const buyer = await newUser(server.base, 'pagebuyer');
  const shopper = await browserFor(buyer);
  csrf = await shopper.csrfFrom('/c/deals/pricing');
  const bought = await shopper.request('POST', '/checkout', { form: { _csrf: csrf, tier_id: String(gold.id), provider: 'manual', coupon: 'page50' } });
  assert.equal(bought.status, 303);
  const checkoutPage = (await shopper.get(bought.headers.get('location'))).text;
  assert.match(checkoutPage, /<del class="muted">¥100\.00<\/del> <strong>¥50\.00<\/strong>/);
  assert.match(checkoutPage, /<code>PAGE50<\/code>/);
  const refused = await shopper.request('POST', '/checkout', { form: { _csrf: csrf, tier_id: String(gold.id), provider: 'manual', coupon: 'nope' } });
  assert.equal(refused.status, 400);
  assert.match(refused.text, /No such coupon/);

  const post = (await owner.post('/api/v1/communities/deals/posts', {
    title: 'Single', body_md: 'teaser\n\n<!-- paywall -->\n\nSOLD', price: { amount_minor: 1000, currency: 'CNY' }, kind: 'article' })).data.post;
  assert.match((await shopper.get(`/p/${post.id}`)).text, /name="coupon"/);
});

test('the books balance', () => {
  const out = execFileSync(binary, ['ledger', 'check', '--database', server.database], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(out, /ledger check: ok/);
});
