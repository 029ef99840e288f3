// A local stand-in for Stripe's API, for the integration tests: a node http server that checks
// the Bearer secret key and the form fields of the calls Guildhall makes, records every request,
// answers with Stripe-shaped objects, and signs and POSTs events to a webhook URL the way Stripe
// does (Stripe-Signature: t=...,v1=HMAC-SHA256(secret, `${t}.${body}`)).
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';

// `webhookUrl` (settable later as fake.webhookUrl) is where the hosted pay page sends the
// completion event when a browser pays there, as Stripe Checkout does.
export async function startFakeStripe({ secretKey = 'sk_test_fake', webhookSecret = 'whsec_fake', webhookUrl = null } = {}) {
  const requests = [];
  const sessions = new Map();
  const coupons = new Map();  // Single-use coupons Guildhall creates for a discounted first period.
  const byIdempotencyKey = new Map();
  let counter = 0;
  let failNext = null;  // { status, message }: the next API call fails like Stripe would.
  const next = (prefix) => `${prefix}_test_${++counter}`;

  const fail = (res, status, message, type = 'invalid_request_error') => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: { type, message } }));
  };
  const ok = (res, object) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(object));
  };

  // Returns a list of problems with a checkout session request (empty when it is right).
  function checkSession(f) {
    const problems = [];
    const need = (key, test = (v) => v !== undefined && v !== '') => { if (!test(f[key])) problems.push(`bad ${key}: ${f[key]}`); };
    const li = 'line_items[0]';
    need('mode', (v) => v === 'payment' || v === 'subscription');
    need(`${li}[price_data][currency]`, (v) => /^[a-z]{3}$/.test(v || ''));
    need(`${li}[price_data][unit_amount]`, (v) => /^[1-9]\d*$/.test(v || ''));
    need(`${li}[price_data][product_data][name]`);
    need(`${li}[quantity]`, (v) => v === '1');
    need('client_reference_id');
    need('metadata[checkout_id]', (v) => v === f.client_reference_id);
    need('success_url', (v) => /^https?:\/\/.+/.test(v || ''));
    need('cancel_url', (v) => /^https?:\/\/.+/.test(v || ''));
    if (f.mode === 'subscription') {
      need(`${li}[price_data][recurring][interval]`, (v) => v === 'month' || v === 'year');
      need('subscription_data[metadata][checkout_id]', (v) => v === f.client_reference_id);
    } else {
      need(`${li}[price_data][recurring][interval]`, (v) => v === undefined);
      need('payment_intent_data[metadata][checkout_id]', (v) => v === f.client_reference_id);
    }
    // Trials and coupons are Guildhall's business, never Stripe's; the one exception is a
    // subscription's discounted first period, through a single-use coupon made for it.
    for (const key of Object.keys(f)) {
      if (key === 'discounts[0][coupon]') {
        const coupon = coupons.get(f[key]);
        if (f.mode !== 'subscription') problems.push('a first-period coupon on a one-time payment');
        if (!coupon || coupon.duration !== 'once' || coupon.max_redemptions !== 1) problems.push(`bad coupon ${f[key]}`);
        else if (coupon.currency !== f[`${li}[price_data][currency]`] || coupon.amount_off >= Number(f[`${li}[price_data][unit_amount]`])) {
          problems.push('the coupon does not fit the price');
        }
      } else if (/trial|coupon|discount|promotion/.test(key)) problems.push(`unexpected ${key}`);
    }
    return problems;
  }

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => { raw += d; });
    req.on('end', () => {
      const url = new URL(req.url, 'http://fake');
      const form = Object.fromEntries(new URLSearchParams(raw));
      const record = { method: req.method, path: url.pathname, form, headers: req.headers, raw };
      requests.push(record);
      // The hosted payment page a buyer's browser is sent to (Stripe Checkout's `url`).
      const pay = url.pathname.match(/^\/pay\/([\w-]+)$/);
      if (pay) return payPage(req, res, pay[1]);
      if (req.headers.authorization !== `Bearer ${secretKey}`) return fail(res, 401, 'Invalid API Key provided.');
      if (failNext) {
        const f = failNext;
        failNext = null;
        return fail(res, f.status, f.message, 'api_error');
      }
      const key = req.headers['idempotency-key'];
      if (req.method === 'POST' && key && byIdempotencyKey.has(key)) return ok(res, byIdempotencyKey.get(key));
      if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
        if (!key) return fail(res, 400, 'Idempotency-Key expected by the fake');
        const problems = checkSession(form);
        if (problems.length) return fail(res, 400, problems.join('; '));
        const id = next('cs');
        const session = {
          id, object: 'checkout.session', url: `${base}/pay/${id}`, mode: form.mode, status: 'open',
          payment_status: 'unpaid', client_reference_id: form.client_reference_id,
          metadata: { checkout_id: form['metadata[checkout_id]'] },
          amount_total: Number(form['line_items[0][price_data][unit_amount]']) - (coupons.get(form['discounts[0][coupon]'])?.amount_off || 0),
          amount_subtotal: Number(form['line_items[0][price_data][unit_amount]']),
          currency: form['line_items[0][price_data][currency]'],
          interval: form['line_items[0][price_data][recurring][interval]'] || null,
          success_url: form.success_url, cancel_url: form.cancel_url,
          payment_intent: null, subscription: null, invoice: null,
        };
        sessions.set(id, session);
        byIdempotencyKey.set(key, session);
        return ok(res, session);
      }
      if (req.method === 'POST' && url.pathname === '/v1/coupons') {
        if (!key) return fail(res, 400, 'Idempotency-Key expected by the fake');
        const amountOff = Number(form.amount_off);
        if (!(amountOff > 0) || !/^[a-z]{3}$/.test(form.currency || '') || !['once', 'forever', 'repeating'].includes(form.duration)) {
          return fail(res, 400, 'amount_off, currency and duration expected');
        }
        const coupon = { id: next('co'), object: 'coupon', amount_off: amountOff, currency: form.currency,
          duration: form.duration, max_redemptions: form.max_redemptions ? Number(form.max_redemptions) : null, name: form.name || null };
        coupons.set(coupon.id, coupon);
        byIdempotencyKey.set(key, coupon);
        return ok(res, coupon);
      }
      if (req.method === 'POST' && url.pathname === '/v1/refunds') {
        if (!key) return fail(res, 400, 'Idempotency-Key expected by the fake');
        if (!form.payment_intent && !form.charge) return fail(res, 400, 'payment_intent or charge required');
        const refund = { id: next('re'), object: 'refund', status: 'succeeded', payment_intent: form.payment_intent || null, charge: form.charge || null };
        byIdempotencyKey.set(key, refund);
        return ok(res, refund);
      }
      const sub = url.pathname.match(/^\/v1\/subscriptions\/([\w-]+)$/);
      if (req.method === 'POST' && sub) {
        if (form.cancel_at_period_end !== 'true') return fail(res, 400, 'the fake only knows cancel_at_period_end=true');
        return ok(res, { id: sub[1], object: 'subscription', status: 'active', cancel_at_period_end: true });
      }
      if (req.method === 'DELETE' && sub) return ok(res, { id: sub[1], object: 'subscription', status: 'canceled' });
      return fail(res, 404, `Unrecognized request URL (${req.method}: ${url.pathname})`);
    });
  });
  // GET shows the session and a Pay button; POST marks it paid, sends the signed
  // checkout.session.completed to the webhook, and sends the browser to the success URL.
  async function payPage(req, res, id) {
    const session = sessions.get(id);
    if (!session) { res.writeHead(404); return res.end('no such session'); }
    if (req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(`<!doctype html><title>Stand-in Stripe Checkout</title><link rel="icon" href="data:,"><h1>Pay ${session.amount_total} ${session.currency}</h1>
        <form method="post"><button type="submit">Pay</button></form><a href="${session.cancel_url}">Back</a>`);
    }
    const paid = fake.paidSession(session);
    const delivered = await fake.send(fake.webhookUrl, fake.event('checkout.session.completed', paid));
    if (delivered.status !== 200) { res.writeHead(502); return res.end(`webhook answered ${delivered.status}`); }
    res.writeHead(303, { Location: session.success_url });
    return res.end();
  }

  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;

  const sign = (body, t = Math.floor(Date.now() / 1000), secret = webhookSecret) =>
    `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;

  const fake = {
    webhookUrl,
    base, requests, sessions, coupons, secretKey, webhookSecret, sign,
    failNext(status, message = 'Something went wrong on the fake') { failNext = { status, message }; },
    calls(method, path) { return requests.filter((r) => r.method === method && r.path === path); },
    sessionFor(checkoutId) { return [...sessions.values()].find((s) => s.client_reference_id === checkoutId); },

    event(type, object, id = next('evt')) {
      return { id, object: 'event', type, api_version: '2024-06-20', created: Math.floor(Date.now() / 1000), data: { object } };
    },
    // The buyer paid on the session's page: the completed session as Stripe reports it.
    paidSession(session) {
      const paid = { ...session, status: 'complete', payment_status: 'paid' };
      if (session.mode === 'subscription') {
        paid.subscription = paid.subscription || `sub_for_${session.id}`;
        paid.invoice = paid.invoice || `in_first_${session.id}`;
      } else {
        paid.payment_intent = paid.payment_intent || `pi_for_${session.id}`;
      }
      sessions.set(session.id, paid);
      return paid;
    },
    // A paid invoice of the session's subscription: the first one at the session's total, later
    // ones at the full recurring price (a first-period coupon applies once).
    invoice(session, { id, reason = 'subscription_cycle', amount = reason === 'subscription_create' ? session.amount_total : (session.amount_subtotal ?? session.amount_total) } = {}) {
      const invoiceId = id || (reason === 'subscription_create' ? `in_first_${session.id}` : next('in'));
      return {
        id: invoiceId, object: 'invoice', billing_reason: reason, status: 'paid',
        amount_paid: amount, currency: session.currency,
        subscription: session.subscription || `sub_for_${session.id}`,
        subscription_details: { metadata: { checkout_id: session.client_reference_id } },
        payment_intent: `pi_${invoiceId}`, charge: `ch_${invoiceId}`,
      };
    },
    // POSTs `event` to `url` signed like Stripe, or with `signature` when given (null: none).
    async send(url, event, { signature, body } = {}) {
      const payload = body ?? JSON.stringify(event);
      const headers = { 'Content-Type': 'application/json' };
      const sig = signature === undefined ? sign(payload) : signature;
      if (sig !== null) headers['Stripe-Signature'] = sig;
      const r = await fetch(url, { method: 'POST', headers, body: payload });
      return { status: r.status, text: await r.text() };
    },
    close() { server.closeAllConnections(); return new Promise((r) => server.close(r)); },
  };
  return fake;
}
