// Paying through Stripe, end to end against the local stand-in (tests/fakes/stripe.mjs): the
// binary is only pointed at it with --stripe-api-base. Checkout Sessions, signed webhooks
// (each event once, in any order, bad signatures refused), renewals, cancellations, refunds,
// and a burst of concurrent duplicate deliveries checked against the books.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, Client, newUser, binary } from './harness.mjs';
import { startFakeStripe } from '../fakes/stripe.mjs';

let stripe, server, owner, buyer, monthly, lifetime, hook;
const stripeArgs = (fake) => ['--stripe-api-base', fake.base, '--stripe-secret-key', fake.secretKey,
  '--stripe-webhook-secret', fake.webhookSecret];

// One number from the database (SQLite file or the test's PostgreSQL schema).
function sql(query, db = server.database) {
  const out = db.startsWith('sqlite:')
    ? execFileSync('sqlite3', [db.slice(7), query], { encoding: 'utf8' })
    : execFileSync('psql', [db, '-At', '-c', query], { encoding: 'utf8' });
  return Number(out.trim());
}

async function login(user) {
  const browser = new Client(server.base);
  await browser.post('/api/v1/auth/login', { login: user.username, password: 'correct horse battery' });
  return browser;
}

before(async () => {
  stripe = await startFakeStripe({ secretKey: 'sk_test_guildhall', webhookSecret: 'whsec_guildhall' });
  server = await startServer(['--platform-fee-bps', '1000', ...stripeArgs(stripe)]);
  hook = `${server.base}/webhooks/stripe`;
  owner = await newUser(server.base, 'owner');
  buyer = await newUser(server.base, 'buyer');
  await owner.post('/api/v1/communities', { slug: 'cards', name: 'Cards' });
  monthly = (await owner.post('/api/v1/communities/cards/tiers', { name: 'Monthly', price: { amount_minor: 9900, currency: 'CNY' }, interval: 'month' })).data.tier;
  lifetime = (await owner.post('/api/v1/communities/cards/tiers', { name: 'Forever', price: { amount_minor: 50000, currency: 'CNY' }, interval: 'lifetime' })).data.tier;
});
after(async () => { await server.stop(); await stripe.close(); });

test('buy a monthly tier through Stripe: session, webhook, each event once, a renewal', async () => {
  const started = await buyer.post('/api/v1/checkout', { tier_id: monthly.id, provider: 'stripe' });
  assert.equal(started.status, 201, started.text);
  const checkout = started.data.checkout;
  const session = stripe.sessionFor(checkout.id);
  assert.ok(session, 'the fake saw a Checkout Session');
  assert.equal(checkout.redirect_url, session.url);
  const call = stripe.calls('POST', '/v1/checkout/sessions').at(-1);
  assert.equal(call.headers.authorization, 'Bearer sk_test_guildhall');
  assert.ok(call.headers['idempotency-key']);
  assert.equal(call.form.mode, 'subscription');
  assert.equal(call.form['line_items[0][price_data][currency]'], 'cny');
  assert.equal(call.form['line_items[0][price_data][unit_amount]'], '9900');
  assert.equal(call.form['line_items[0][price_data][recurring][interval]'], 'month');
  assert.equal(call.form['line_items[0][price_data][product_data][name]'], 'Monthly');
  assert.equal(call.form['subscription_data[metadata][checkout_id]'], checkout.id);
  assert.equal(call.form.success_url, `${server.base}/checkout/${checkout.id}/success`);
  assert.equal(call.form.cancel_url, `${server.base}/checkout/${checkout.id}/cancel`);

  const browser = await login(buyer);
  const waiting = await browser.get(`/checkout/${checkout.id}/success`);
  assert.match(waiting.text, /Confirming your payment/);
  assert.match(waiting.text, /<meta http-equiv="refresh" content="3">/);

  const paid = stripe.paidSession(session);
  const completed = stripe.event('checkout.session.completed', paid);
  assert.equal((await stripe.send(hook, completed)).status, 200);
  assert.equal((await stripe.send(hook, completed)).status, 200);
  // The first invoice is the same money as the session: nothing more.
  assert.equal((await stripe.send(hook, stripe.event('invoice.paid', stripe.invoice(paid, { reason: 'subscription_create' })))).status, 200);
  const done = await browser.get(`/checkout/${checkout.id}/success`);
  assert.match(done.text, /Payment received/);
  assert.doesNotMatch(done.text, /http-equiv="refresh"/);
  let payments = (await buyer.get('/api/v1/me/payments')).data.payments;
  assert.equal(payments.length, 1);
  assert.equal(payments[0].provider, 'stripe');
  let memberships = (await buyer.get('/api/v1/me/memberships')).data.memberships;
  assert.equal(memberships[0].status, 'active');
  const firstEnd = Date.parse(memberships[0].current_period_end);

  const renewal = stripe.event('invoice.paid', stripe.invoice(paid));
  assert.equal((await stripe.send(hook, renewal)).status, 200);
  assert.equal((await stripe.send(hook, renewal)).status, 200);
  payments = (await buyer.get('/api/v1/me/payments')).data.payments;
  assert.equal(payments.length, 2);
  assert.equal(payments[0].kind, 'renewal');
  memberships = (await buyer.get('/api/v1/me/memberships')).data.memberships;
  assert.ok(Date.parse(memberships[0].current_period_end) > firstEnd + 27 * 86400e3, 'extended from the current end');

  // A failed renewal: past due, access kept; the subscription deleted: canceled.
  const failed = stripe.event('invoice.payment_failed', stripe.invoice(paid));
  assert.equal((await stripe.send(hook, failed)).status, 200);
  assert.equal((await buyer.get('/api/v1/me/memberships')).data.memberships[0].status, 'past_due');
  const deleted = stripe.event('customer.subscription.deleted', { id: paid.subscription, object: 'subscription', status: 'canceled' });
  assert.equal((await stripe.send(hook, deleted)).status, 200);
  assert.equal((await buyer.get('/api/v1/me/memberships')).data.memberships[0].status, 'canceled');
  assert.equal((await stripe.send(hook, stripe.event('invoice.paid', stripe.invoice(paid)))).status, 200);
  assert.equal((await buyer.get('/api/v1/me/payments')).data.payments.length, 2, 'no renewal after cancellation');
  // Unknown types are acknowledged.
  assert.equal((await stripe.send(hook, stripe.event('customer.created', { id: 'cus_1' }))).status, 200);
});

test('buy a post through the page form; the cancel page', async () => {
  const post = (await owner.post('/api/v1/communities/cards/posts', {
    title: 'Card post', body_md: 'teaser\n\n<!-- paywall -->\n\nCARD_CONTENT', price: { amount_minor: 500, currency: 'CNY' }, kind: 'article' })).data.post;
  const fan = await newUser(server.base, 'fan');
  const browser = await login(fan);
  const page = await browser.get(`/p/${post.id}`);
  assert.match(page.text, /Pay by card/);
  const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)[1];
  const bought = await browser.request('POST', '/checkout', { form: { _csrf: csrf, post_id: String(post.id), provider: 'stripe' } });
  assert.equal(bought.status, 303);
  // Our checkout page first (a form may not redirect to another origin under our CSP's
  // form-action); it forwards the browser to the provider's page.
  const ours = bought.headers.get('location');
  assert.match(ours, /^\/checkout\/co_/);
  const forward = (await browser.get(ours)).text;
  const location = forward.match(/<meta http-equiv="refresh" content="0;url=([^"]+)">/)[1];
  assert.ok(location.startsWith(`${stripe.base}/pay/cs_test_`), location);
  assert.match(forward, new RegExp(`<a class="btn btn-primary" href="${location}">`));
  const session = [...stripe.sessions.values()].find((s) => s.url === location);
  assert.equal(session.mode, 'payment');
  assert.equal(stripe.calls('POST', '/v1/checkout/sessions').at(-1).form['payment_intent_data[metadata][checkout_id]'], session.client_reference_id);
  assert.doesNotMatch((await browser.get(`/p/${post.id}`)).text, /CARD_CONTENT/);
  assert.equal((await stripe.send(hook, stripe.event('checkout.session.completed', stripe.paidSession(session)))).status, 200);
  assert.match((await browser.get(`/p/${post.id}`)).text, /CARD_CONTENT/);

  // Leaving Stripe's page without paying cancels a pending checkout.
  const other = (await fan.post('/api/v1/checkout', { tier_id: lifetime.id, provider: 'stripe' })).data.checkout;
  const canceled = await browser.get(`/checkout/${other.id}/cancel`);
  assert.equal(canceled.status, 200);
  assert.match(canceled.text, /checkout is canceled/);
  assert.equal((await fan.get(`/api/v1/checkout/${other.id}`)).data.checkout.status, 'canceled');
});

test('bad signatures are refused with 400 and change nothing', async () => {
  const spender = await newUser(server.base, 'spender');
  const checkout = (await spender.post('/api/v1/checkout', { tier_id: lifetime.id, provider: 'stripe' })).data.checkout;
  const event = stripe.event('checkout.session.completed', stripe.paidSession(stripe.sessionFor(checkout.id)));
  const body = JSON.stringify(event);
  const now = Math.floor(Date.now() / 1000);
  const attempts = [
    { signature: null },
    { signature: 'garbage' },
    { signature: stripe.sign(body, now, 'whsec_wrong') },
    { signature: stripe.sign(body, now - 600) },
    { signature: stripe.sign(body, now + 600) },
    { signature: stripe.sign(body), body: body.replace('"paid"', '"paid" ') },
  ];
  for (const attempt of attempts) {
    const r = await stripe.send(hook, event, attempt);
    assert.equal(r.status, 400, JSON.stringify(attempt));
  }
  assert.equal((await spender.get(`/api/v1/checkout/${checkout.id}`)).data.checkout.status, 'pending');
  assert.equal((await spender.get('/api/v1/me/payments')).data.payments.length, 0);
  assert.equal(sql(`SELECT COUNT(*) FROM provider_events WHERE event_id = '${event.id}'`), 0);
  // The same event properly signed goes through.
  assert.equal((await stripe.send(hook, event)).status, 200);
  assert.equal((await spender.get('/api/v1/me/payments')).data.payments.length, 1);
});

test('Stripe errors answer 502 and leave nothing behind', async () => {
  const unlucky = await newUser(server.base, 'unlucky');
  stripe.failNext(500, 'boom');
  const r = await unlucky.post('/api/v1/checkout', { tier_id: lifetime.id, provider: 'stripe' });
  assert.equal(r.status, 502);
  assert.equal(r.data.error.code, 'billing.provider_error');
  assert.equal(sql(`SELECT COUNT(*) FROM checkouts k JOIN users u ON u.id = k.user_id WHERE u.username = '${unlucky.username}'`), 0);
});

test('refunds: the owner, the buyer within the window, and Stripe told first', async () => {
  // Owner refunds a one-off Stripe payment.
  const payer = await newUser(server.base, 'payer');
  const k1 = (await payer.post('/api/v1/checkout', { tier_id: lifetime.id, provider: 'stripe' })).data.checkout;
  const paid1 = stripe.paidSession(stripe.sessionFor(k1.id));
  await stripe.send(hook, stripe.event('checkout.session.completed', paid1));
  const p1 = (await payer.get('/api/v1/me/payments')).data.payments[0];
  const refunded = await owner.post(`/api/v1/payments/${p1.id}/refund`, {});
  assert.equal(refunded.status, 200, refunded.text);
  assert.equal(refunded.data.payment.status, 'refunded');
  const refundCall = stripe.calls('POST', '/v1/refunds').at(-1);
  assert.equal(refundCall.form.payment_intent, paid1.payment_intent);
  assert.ok(refundCall.headers['idempotency-key']);
  assert.equal((await payer.get('/api/v1/me/memberships')).data.memberships[0].status, 'refunded');
  // Twice (and Stripe's own charge.refunded afterwards) books once.
  assert.equal((await owner.post(`/api/v1/payments/${p1.id}/refund`, {})).data.payment.status, 'refunded');
  await stripe.send(hook, stripe.event('charge.refunded', { id: 'ch_x', object: 'charge', payment_intent: paid1.payment_intent, refunded: true }));
  assert.equal(sql(`SELECT COUNT(*) FROM ledger_transactions WHERE reference = '${p1.id}' AND reverses_id IS NOT NULL`), 1);

  // The buyer refunds their own subscription payment from the account page: the subscription is canceled at Stripe.
  const k2 = (await payer.post('/api/v1/checkout', { tier_id: monthly.id, provider: 'stripe' })).data.checkout;
  const paid2 = stripe.paidSession(stripe.sessionFor(k2.id));
  await stripe.send(hook, stripe.event('checkout.session.completed', paid2));
  await stripe.send(hook, stripe.event('invoice.paid', stripe.invoice(paid2, { reason: 'subscription_create' })));
  const p2 = (await payer.get('/api/v1/me/payments')).data.payments[0];
  const browser = await login(payer);
  const account = await browser.get('/account/billing');
  assert.match(account.text, new RegExp(`/payments/${p2.id}/refund`));
  const csrf = account.text.match(/name="_csrf" value="([^"]+)"/)[1];
  const viaPage = await browser.request('POST', `/payments/${p2.id}/refund`, { form: { _csrf: csrf } });
  assert.equal(viaPage.status, 303);
  assert.equal((await payer.get('/api/v1/me/payments')).data.payments[0].status, 'refunded');
  assert.equal(stripe.calls('DELETE', `/v1/subscriptions/${paid2.subscription}`).length, 1);
  assert.equal(stripe.calls('POST', '/v1/refunds').at(-1).form.payment_intent, `pi_in_first_${paid2.id}`);

  // Strangers see nothing; the owner's pricing page lists payments with refund buttons.
  const nosy = await newUser(server.base, 'nosy');
  assert.equal((await nosy.post(`/api/v1/payments/${p2.id}/refund`, {})).status, 404);
  const admin = await login(owner);
  const pricing = await admin.get('/c/cards/pricing');
  assert.match(pricing.text, /Latest payments/);
  assert.match(pricing.text, /\/refund"/);
});

test('the buyer after the refund window is refused; manual payments refund without Stripe', async () => {
  const closed = await startServer(['--refund-window-hours', '0', ...stripeArgs(stripe)]);
  try {
    const boss = await newUser(closed.base, 'boss');
    const late = await newUser(closed.base, 'late');
    await boss.post('/api/v1/communities', { slug: 'late', name: 'Late' });
    const tier = (await boss.post('/api/v1/communities/late/tiers', { name: 'Gold', price: { amount_minor: 1000, currency: 'CNY' }, interval: 'lifetime' })).data.tier;
    const k = (await late.post('/api/v1/checkout', { tier_id: tier.id, provider: 'manual' })).data.checkout;
    await boss.post(`/api/v1/checkout/${k.id}/confirm`, {});
    const payment = (await late.get('/api/v1/me/payments')).data.payments[0];
    await new Promise((r) => setTimeout(r, 5));
    const refused = await late.post(`/api/v1/payments/${payment.id}/refund`, {});
    assert.equal(refused.status, 403);
    assert.equal(refused.data.error.code, 'billing.refund_window_closed');
    const before = stripe.calls('POST', '/v1/refunds').length;
    const ok = await boss.post(`/api/v1/payments/${payment.id}/refund`, {});
    assert.equal(ok.data.payment.status, 'refunded');
    assert.equal(stripe.calls('POST', '/v1/refunds').length, before, 'no provider call for a manual payment');
  } finally {
    await closed.stop();
  }
});

test('200 completions delivered twice, all at once, book exactly 200 payments', async () => {
  const buyers = await Promise.all(Array.from({ length: 10 }, (_, i) => newUser(server.base, `crowd${i}`)));
  const posts = [];
  for (let i = 0; i < 20; i++) {
    posts.push((await owner.post('/api/v1/communities/cards/posts', {
      title: `Crowd ${i}`, body_md: `t\n\n<!-- paywall -->\n\nC${i}`, price: { amount_minor: 1000, currency: 'CNY' }, kind: 'article' })).data.post);
  }
  const events = [];
  for (const b of buyers) {
    for (const p of posts) {
      const k = await b.post('/api/v1/checkout', { post_id: p.id, provider: 'stripe' });
      assert.equal(k.status, 201, k.text);
      events.push(stripe.event('checkout.session.completed', stripe.paidSession(stripe.sessionFor(k.data.checkout.id))));
    }
  }
  assert.equal(events.length, 200);
  const paymentsBefore = sql('SELECT COUNT(*) FROM payments');
  const bookingsBefore = sql("SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'purchase'");
  const results = await Promise.all([...events, ...events].map((e) => stripe.send(hook, e)));
  assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
  assert.equal(sql('SELECT COUNT(*) FROM payments') - paymentsBefore, 200);
  assert.equal(sql("SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'purchase'") - bookingsBefore, 200);
  for (const b of buyers) {
    assert.equal((await b.get('/api/v1/me/payments')).data.payments.length, 20);
  }
  const out = execFileSync(binary, ['ledger', 'check', '--database', server.database], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(out, /ledger check: ok/);
});

test('a first-period coupon on a Stripe subscription: full recurring price, a single-use Stripe coupon', async () => {
  const made = await owner.post('/api/v1/communities/cards/coupons', { code: 'WELCOME', percent_off: 50, duration: 'once' });
  assert.equal(made.status, 201, made.text);
  const fan = await newUser(server.base, 'fan');
  const started = await fan.post('/api/v1/checkout', { tier_id: monthly.id, provider: 'stripe', coupon: 'welcome' });
  assert.equal(started.status, 201, started.text);
  assert.deepEqual(started.data.checkout.amount, { amount_minor: 4950, currency: 'CNY' });
  const call = stripe.calls('POST', '/v1/checkout/sessions').at(-1);
  assert.equal(call.form['line_items[0][price_data][unit_amount]'], '9900', 'Stripe renews at the full price');
  const coupon = stripe.coupons.get(call.form['discounts[0][coupon]']);
  assert.deepEqual([coupon.amount_off, coupon.currency, coupon.duration, coupon.max_redemptions], [4950, 'cny', 'once', 1]);
  const paid = stripe.paidSession(stripe.sessionFor(started.data.checkout.id));
  assert.equal(paid.amount_total, 4950);
  assert.equal((await stripe.send(hook, stripe.event('checkout.session.completed', paid))).status, 200);
  assert.equal((await stripe.send(hook, stripe.event('invoice.paid', stripe.invoice(paid)))).status, 200);
  const payments = (await fan.get('/api/v1/me/payments')).data.payments;
  assert.deepEqual(payments.map((p) => p.amount.amount_minor), [9900, 4950]);
  // A forever coupon needs no Stripe coupon: the recurring price is the discounted one.
  await owner.post('/api/v1/communities/cards/coupons', { code: 'ALWAYS', amount_off: { amount_minor: 900, currency: 'CNY' }, duration: 'forever' });
  const other = await newUser(server.base, 'other');
  assert.equal((await other.post('/api/v1/checkout', { tier_id: monthly.id, provider: 'stripe', coupon: 'ALWAYS' })).status, 201);
  const forever = stripe.calls('POST', '/v1/checkout/sessions').at(-1);
  assert.equal(forever.form['line_items[0][price_data][unit_amount]'], '9000');
  assert.equal(forever.form['discounts[0][coupon]'], undefined);
  // A 100% coupon never reaches Stripe.
  await owner.post('/api/v1/communities/cards/coupons', { code: 'FREE', percent_off: 100, duration: 'once' });
  const before = stripe.calls('POST', '/v1/checkout/sessions').length;
  const free = await (await newUser(server.base, 'free')).post('/api/v1/checkout', { tier_id: monthly.id, provider: 'stripe', coupon: 'FREE' });
  assert.equal(free.data.checkout.status, 'completed');
  assert.equal(stripe.calls('POST', '/v1/checkout/sessions').length, before);
  const out = execFileSync(binary, ['ledger', 'check', '--database', server.database], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(out, /ledger check: ok/);
});

test('a member cancels the renewal of a Stripe subscription: Stripe told, access kept to the period end', async () => {
  const member = await newUser(server.base, 'quitter');
  const checkout = (await member.post('/api/v1/checkout', { tier_id: monthly.id, provider: 'stripe' })).data.checkout;
  const paid = stripe.paidSession(stripe.sessionFor(checkout.id));
  assert.equal((await stripe.send(hook, stripe.event('checkout.session.completed', paid))).status, 200);
  let [membership] = (await member.get('/api/v1/me/memberships')).data.memberships;
  assert.equal(membership.renews, true);
  const nosy = await newUser(server.base, 'nosy');
  assert.equal((await nosy.post(`/api/v1/memberships/${membership.id}/cancel`, {})).status, 404);

  // From the page: the account page shows the button, the form cancels.
  const browser = await login(member);
  const account = await browser.get('/account/billing');
  assert.match(account.text, new RegExp(`action="/memberships/${membership.id}/cancel"`));
  const csrf = await browser.csrfFrom('/account/billing');
  assert.equal((await browser.request('POST', `/memberships/${membership.id}/cancel`, { form: { _csrf: csrf } })).status, 303);
  const call = stripe.calls('POST', `/v1/subscriptions/${paid.subscription}`).at(-1);
  assert.equal(call.form.cancel_at_period_end, 'true');
  assert.ok(call.headers['idempotency-key']);
  [membership] = (await member.get('/api/v1/me/memberships')).data.memberships;
  assert.equal(membership.status, 'canceled');
  assert.equal(membership.renews, false);
  assert.ok(Date.parse(membership.current_period_end) > Date.now(), 'access to the period end');
  // Again by API: unchanged; a later renewal invoice books nothing.
  const again = await member.post(`/api/v1/memberships/${membership.id}/cancel`, {});
  assert.equal(again.status, 200);
  assert.equal(again.data.membership.status, 'canceled');
  assert.equal((await stripe.send(hook, stripe.event('invoice.paid', stripe.invoice(paid)))).status, 200);
  assert.equal((await member.get('/api/v1/me/payments')).data.payments.length, 1);
  // A lifetime membership has nothing to cancel.
  const forever = (await member.post('/api/v1/checkout', { tier_id: lifetime.id, provider: 'stripe' })).data.checkout;
  assert.equal((await stripe.send(hook, stripe.event('checkout.session.completed', stripe.paidSession(stripe.sessionFor(forever.id))))).status, 200);
  const life = (await member.get('/api/v1/me/memberships')).data.memberships.find((m) => m.tier_id === lifetime.id);
  const refused = await member.post(`/api/v1/memberships/${life.id}/cancel`, {});
  assert.equal(refused.status, 409);
  assert.equal(refused.data.error.code, 'billing.not_renewing');
});

test('a refund made in Stripe\'s dashboard is booked and ends the subscription at Stripe', async () => {
  const member = await newUser(server.base, 'dashboard');
  const checkout = (await member.post('/api/v1/checkout', { tier_id: monthly.id, provider: 'stripe' })).data.checkout;
  const paid = stripe.paidSession(stripe.sessionFor(checkout.id));
  const first = stripe.invoice(paid, { reason: 'subscription_create' });
  assert.equal((await stripe.send(hook, stripe.event('checkout.session.completed', paid))).status, 200);
  assert.equal((await stripe.send(hook, stripe.event('invoice.paid', first))).status, 200);
  const deletesBefore = stripe.calls('DELETE', `/v1/subscriptions/${paid.subscription}`).length;
  const refund = stripe.event('charge.refunded', { id: first.charge, object: 'charge', payment_intent: first.payment_intent, refunded: true });
  assert.equal((await stripe.send(hook, refund)).status, 200);
  assert.equal((await stripe.send(hook, refund)).status, 200);
  assert.equal((await member.get('/api/v1/me/payments')).data.payments[0].status, 'refunded');
  assert.equal((await member.get('/api/v1/me/memberships')).data.memberships[0].status, 'refunded');
  assert.equal(stripe.calls('DELETE', `/v1/subscriptions/${paid.subscription}`).length, deletesBefore + 1, 'ended at Stripe once');
});
