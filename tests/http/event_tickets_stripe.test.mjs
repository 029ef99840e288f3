// A paid event ticket through Stripe (tests/fakes/stripe.mjs): the seat is held while the buyer
// pays; a payment arriving after the hold lapsed (and the seat went to the waitlist) is
// honoured, not lost; the refund goes through Stripe, frees the seat, and the books balance.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, newUser, binary, sql, Client } from './harness.mjs';
import { startFakeStripe } from '../fakes/stripe.mjs';

let stripe, server, owner, hook;

before(async () => {
  stripe = await startFakeStripe({ secretKey: 'sk_test_guildhall', webhookSecret: 'whsec_guildhall' });
  server = await startServer(['--platform-fee-bps', '1000', '--stripe-api-base', stripe.base,
    '--stripe-secret-key', stripe.secretKey, '--stripe-webhook-secret', stripe.webhookSecret]);
  hook = `${server.base}/webhooks/stripe`;
  owner = await newUser(server.base, 'owner');
  await owner.post('/api/v1/communities', { slug: 'talks', name: 'Talks' });
});
after(async () => { await server.stop(); await stripe.close(); });

test('the event page offers card payment for paid tickets and sends the buyer on to Stripe', async () => {
  const soon = (h) => new Date(Date.now() + h * 3600 * 1000).toISOString();
  const event = (await owner.post('/api/v1/communities/talks/events', {
    title: 'Card talk', starts_at: soon(24), ends_at: soon(25), timezone: 'Europe/Berlin', capacity: 5, venue: 'Hall' })).data.event;
  const type = (await owner.post(`/api/v1/events/${event.id}/ticket-types`, { name: 'Seat', price: { amount_minor: 2500, currency: 'CNY' } })).data.ticket_type;
  const buyer = await newUser(server.base, 'cardbuyer');
  const browser = new Client(server.base);
  assert.equal((await browser.post('/api/v1/auth/login', { login: buyer.username, password: 'correct horse battery' })).status, 200);
  const page = await browser.get(`/events/${event.id}`);
  assert.match(page.text, /name="provider" value="stripe"/);
  const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)[1];
  const posted = await browser.request('POST', `/events/${event.id}/register`, { form: { _csrf: csrf, ticket_type_id: String(type.id), provider: 'stripe' } });
  assert.equal(posted.status, 303);
  const checkoutPath = posted.headers.get('location');
  assert.match(checkoutPath, /^\/checkout\/co_/);
  const checkout = (await buyer.get(`/api/v1${checkoutPath}`)).data.checkout;
  assert.equal(checkout.provider, 'stripe');
  assert.equal(checkout.redirect_url, stripe.sessionFor(checkout.id).url, 'our page forwards to the hosted page');
});

test('a late Stripe payment for a lapsed hold is honoured; its refund frees the seat', async () => {
  const soon = (h) => new Date(Date.now() + h * 3600 * 1000).toISOString();
  const event = (await owner.post('/api/v1/communities/talks/events', {
    title: 'Paid talk', starts_at: soon(24), ends_at: soon(25), timezone: 'Europe/Berlin', capacity: 1, venue: 'Aula' })).data.event;
  const type = (await owner.post(`/api/v1/events/${event.id}/ticket-types`, { name: 'Seat', price: { amount_minor: 4000, currency: 'CNY' } })).data.ticket_type;
  const buyer = await newUser(server.base, 'buyer');
  const other = await newUser(server.base, 'other');

  const reg = await buyer.post(`/api/v1/events/${event.id}/register`, { ticket_type_id: type.id, provider: 'stripe' });
  assert.equal(reg.status, 201, reg.text);
  assert.equal(reg.data.ticket.status, 'pending');
  const session = stripe.sessionFor(reg.data.checkout.id);
  assert.ok(session, 'a Checkout Session was opened');
  assert.equal(reg.data.checkout.redirect_url, session.url);
  const call = stripe.calls('POST', '/v1/checkout/sessions').at(-1);
  assert.equal(call.form.mode, 'payment');
  assert.equal(call.form['line_items[0][price_data][unit_amount]'], '4000');

  // The buyer is slow: the hold lapses, the sweep gives the seat to the waitlist.
  assert.equal((await other.post(`/api/v1/events/${event.id}/register`, { ticket_type_id: type.id })).data.ticket.status, 'waitlisted');
  sql(server, `UPDATE event_tickets SET hold_until = 1000 WHERE id = ${reg.data.ticket.id}`);
  let status;
  for (let i = 0; i < 30 && status !== 'expired'; i++) {
    await new Promise((r) => setTimeout(r, 500));
    status = (await buyer.get(`/api/v1/events/${event.id}`)).data.event.viewer_ticket.status;
  }
  assert.equal(status, 'expired');
  assert.equal((await other.get(`/api/v1/events/${event.id}`)).data.event.viewer_ticket.status, 'pending');

  // The payment still arrives (twice): honoured once.
  const completed = stripe.event('checkout.session.completed', stripe.paidSession(session));
  assert.equal((await stripe.send(hook, completed)).status, 200);
  assert.equal((await stripe.send(hook, completed)).status, 200);
  const mine = (await buyer.get(`/api/v1/events/${event.id}`)).data.event;
  assert.equal(mine.viewer_ticket.status, 'confirmed');
  assert.equal(mine.venue, 'Aula');
  const payments = (await buyer.get('/api/v1/me/payments')).data.payments;
  assert.equal(payments.length, 1);

  // Refunded through Stripe: the ticket is refunded and nothing else changes hands twice.
  const refunded = await buyer.post(`/api/v1/payments/${payments[0].id}/refund`, {});
  assert.equal(refunded.status, 200, refunded.text);
  assert.equal(stripe.calls('POST', '/v1/refunds').length, 1);
  assert.equal((await buyer.get(`/api/v1/events/${event.id}`)).data.event.viewer_ticket.status, 'refunded');
  const seen = (await owner.get(`/api/v1/events/${event.id}`)).data.event;
  assert.equal(seen.confirmed, 0);
  assert.equal(seen.held, 1, 'the other member still holds the seat to pay');

  const out = execFileSync(binary, ['ledger', 'check', '--database', server.database], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(out, /ledger check: ok/);
});
