// Events over HTTP: registration, the waitlist and its promotion, check-in once, a paid ticket
// bought and refunded, 50 concurrent registrations for 10 seats, the online link kept from
// non-holders at every door, the pages driven with forms, and the books checked at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import WebSocket from 'ws';
import { startServer, Client, newUser, binary, sql } from './harness.mjs';

const SECRET = 'https://meet.example.com/secret-room-42';
let server, owner;

before(async () => {
  server = await startServer(['--platform-fee-bps', '1000']);
  owner = await newUser(server.base, 'owner');
  assert.equal((await owner.post('/api/v1/communities', { slug: 'meetups', name: 'Meetups' })).status, 201);
});
after(async () => { await server.stop(); });

function hoursFromNow(h) {
  return new Date(Date.now() + h * 3600 * 1000).toISOString();
}

async function createEvent(fields = {}) {
  const r = await owner.post('/api/v1/communities/meetups/events', {
    title: 'Meetup', starts_at: hoursFromNow(24), ends_at: hoursFromNow(26), timezone: 'Asia/Shanghai',
    capacity: 2, online_url: SECRET, ...fields });
  assert.equal(r.status, 201, r.text);
  return r.data.event;
}

async function browserFor(user) {
  const browser = new Client(server.base);
  const r = await browser.post('/api/v1/auth/login', { login: user.username, password: 'correct horse battery' });
  assert.equal(r.status, 200, r.text);
  return browser;
}

test('an event with capacity 2: three register, one waits, one cancels, the waiting one is promoted (and notified); check-in twice is refused; a paid ticket refunded books the ledger and frees the seat', async () => {
  const event = await createEvent();
  assert.equal(event.capacity, 2);
  assert.equal(event.timezone, 'Asia/Shanghai');
  const [a, b, c] = [await newUser(server.base, 'ann'), await newUser(server.base, 'ben'), await newUser(server.base, 'cat')];
  const ra = await a.post(`/api/v1/events/${event.id}/register`, {});
  assert.equal(ra.status, 201, ra.text);
  assert.equal(ra.data.ticket.status, 'confirmed');
  assert.match(ra.data.ticket.code, /^[2-9A-Z]{12}$/);
  assert.equal((await b.post(`/api/v1/events/${event.id}/register`, {})).data.ticket.status, 'confirmed');
  const rc = await c.post(`/api/v1/events/${event.id}/register`, {});
  assert.equal(rc.status, 201);
  assert.equal(rc.data.ticket.status, 'waitlisted');
  const again = await c.post(`/api/v1/events/${event.id}/register`, {});
  assert.equal(again.status, 409);
  assert.equal(again.data.error.code, 'events.already_registered');

  const canceled = await a.del(`/api/v1/events/${event.id}/registration`);
  assert.equal(canceled.status, 200, canceled.text);
  assert.equal(canceled.data.ticket.status, 'canceled');
  assert.equal((await a.del(`/api/v1/events/${event.id}/registration`)).status, 404);
  const promoted = (await c.get(`/api/v1/events/${event.id}`)).data.event;
  assert.equal(promoted.viewer_ticket.status, 'confirmed');
  assert.equal(promoted.online_url, SECRET, 'a confirmed holder sees the link');
  const notes = (await c.get('/api/v1/me/notifications')).data.notifications;
  assert.ok(notes.some((n) => n.kind === 'event_seat' && n.link === `/events/${event.id}`), JSON.stringify(notes));
  assert.ok(notes.every((n) => !JSON.stringify(n).includes(SECRET)), 'no link in notifications');

  // Check-in: organisers only, once.
  const code = promoted.viewer_ticket.code;
  assert.equal((await c.post(`/api/v1/events/${event.id}/checkin`, { code })).status, 403);
  const first = await owner.post(`/api/v1/events/${event.id}/checkin`, { code });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.data.checkin.checked_in, 1);
  assert.equal(first.data.checkin.attendee.username, c.username);
  const second = await owner.post(`/api/v1/events/${event.id}/checkin`, { code: code.toLowerCase() });
  assert.equal(second.status, 409);
  assert.equal(second.data.error.code, 'events.already_checked_in');
  assert.equal(second.data.checkin.checked_in_by, owner.username);
  assert.equal(second.data.checkin.checked_in_at, first.data.checkin.checked_in_at);
  assert.equal((await owner.post(`/api/v1/events/${event.id}/checkin`, { code: 'WRONGCODE234' })).status, 404);

  // A paid ticket type: the seat freed by a refund goes to the waitlist.
  const vip = await owner.post(`/api/v1/events/${event.id}/ticket-types`, { name: 'VIP', price: { amount_minor: 5000, currency: 'CNY' } });
  assert.equal(vip.status, 201, vip.text);
  assert.equal((await b.del(`/api/v1/events/${event.id}/registration`)).status, 200);
  const payer = await newUser(server.base, 'payer');
  const paid = await payer.post(`/api/v1/events/${event.id}/register`, { ticket_type_id: vip.data.ticket_type.id });
  assert.equal(paid.status, 201, paid.text);
  assert.equal(paid.data.ticket.status, 'pending');
  assert.deepEqual(paid.data.checkout.amount, { amount_minor: 5000, currency: 'CNY' });
  assert.equal((await payer.get(`/api/v1/events/${event.id}`)).data.event.online_url, undefined, 'a held seat shows no link');
  const waiter = await newUser(server.base, 'waiter');
  assert.equal((await waiter.post(`/api/v1/events/${event.id}/register`, {})).data.ticket.status, 'waitlisted');
  const confirmed = await owner.post(`/api/v1/checkout/${paid.data.checkout.id}/confirm`, {});
  assert.equal(confirmed.status, 200, confirmed.text);
  assert.equal((await payer.get(`/api/v1/events/${event.id}`)).data.event.viewer_ticket.status, 'confirmed');
  assert.equal((await payer.del(`/api/v1/events/${event.id}/registration`)).data.error.code, 'events.refund_instead');
  const refunded = await payer.post(`/api/v1/payments/${confirmed.data.payment.id}/refund`, {});
  assert.equal(refunded.status, 200, refunded.text);
  assert.equal(refunded.data.payment.status, 'refunded');
  assert.equal((await payer.get(`/api/v1/events/${event.id}`)).data.event.viewer_ticket.status, 'refunded');
  assert.equal((await waiter.get(`/api/v1/events/${event.id}`)).data.event.viewer_ticket.status, 'confirmed');

  // Points for the checked-in attendee, once.
  const early = await owner.post(`/api/v1/events/${event.id}/points`, {});
  assert.equal(early.status, 409);
  assert.equal(early.data.error.code, 'events.not_started');
});

test('50 simultaneous registrations for 10 seats give exactly 10 tickets', async () => {
  const event = await createEvent({ capacity: 10 });
  const users = [];
  for (let i = 0; i < 50; i++) users.push(await newUser(server.base, 'racer'));
  const results = await Promise.all(users.map((u) => u.post(`/api/v1/events/${event.id}/register`, {})));
  assert.ok(results.every((r) => r.status === 201), results.map((r) => r.status).join(','));
  const statuses = results.map((r) => r.data.ticket.status);
  assert.equal(statuses.filter((s) => s === 'confirmed').length, 10);
  assert.equal(statuses.filter((s) => s === 'waitlisted').length, 40);
  const attendees = (await owner.get(`/api/v1/events/${event.id}/attendees`)).data.attendees;
  assert.equal(attendees.filter((t) => t.status === 'confirmed').length, 10);
  const seen = (await owner.get(`/api/v1/events/${event.id}`)).data.event;
  assert.equal(seen.confirmed, 10);
  assert.equal(seen.seats_left, 0);
});

test('the online link never reaches a non-holder: API, page, ics, feed', async () => {
  const event = await createEvent({ capacity: 1, venue: 'Secret Room 7', description_md: 'Bring snacks, water; and code\\' });
  const holder = await newUser(server.base, 'holder');
  const waiting = await newUser(server.base, 'waiting');
  const stranger = await newUser(server.base, 'stranger');
  const anonymous = new Client(server.base);
  await holder.post(`/api/v1/events/${event.id}/register`, {});
  await waiting.post(`/api/v1/events/${event.id}/register`, {});
  for (const [who, client] of [['anonymous', anonymous], ['stranger', stranger], ['waitlisted', waiting]]) {
    const api = await client.get(`/api/v1/events/${event.id}`);
    assert.equal(api.status, 200);
    assert.ok(!api.text.includes(SECRET) && !api.text.includes('Secret Room 7'), `${who}: API`);
    assert.equal(api.data.event.online, true);
    const list = await client.get('/api/v1/communities/meetups/events');
    assert.ok(!list.text.includes(SECRET), `${who}: list`);
    const ics = await client.get(`/api/v1/events/${event.id}/ics`);
    assert.equal(ics.status, 200);
    assert.ok(!ics.text.includes(SECRET) && !ics.text.includes('Secret Room 7'), `${who}: ics`);
  }
  for (const [who, user] of [['stranger', stranger], ['waitlisted', waiting]]) {
    const browser = await browserFor(user);
    const page = await browser.get(`/events/${event.id}`);
    assert.equal(page.status, 200);
    assert.ok(!page.text.includes(SECRET) && !page.text.includes('Secret Room 7'), `${who}: page`);
  }
  const anonPage = await anonymous.get(`/events/${event.id}`);
  assert.ok(!anonPage.text.includes(SECRET), 'anonymous page');
  const feed = await anonymous.get('/c/meetups/events.ics');
  assert.equal(feed.status, 200);
  assert.match(feed.headers.get('content-type'), /^text\/calendar/);
  assert.ok(!feed.text.includes(SECRET) && !feed.text.includes('Secret Room 7'), 'feed');
  assert.match(feed.text, /^BEGIN:VCALENDAR\r\n/);
  assert.match(feed.text, /X-WR-CALNAME:Meetups\r\n/);

  // The holder gets it everywhere, in RFC 5545 form.
  const own = await holder.get(`/api/v1/events/${event.id}/ics`);
  assert.match(own.headers.get('content-type'), /^text\/calendar/);
  assert.ok(own.text.includes('Secret Room 7'));
  const unfolded = own.text.replace(/\r\n /g, '');
  assert.ok(unfolded.includes(`LOCATION:Secret Room 7 / ${SECRET}`));
  assert.ok(unfolded.includes('DESCRIPTION:Bring snacks\\, water\\; and code\\\\'), unfolded);
  assert.match(own.text, new RegExp(`UID:event-${event.id}@`));
  assert.match(own.text, /DTSTAMP:\d{8}T\d{6}Z\r\n/);
  assert.match(own.text, /DTSTART:\d{8}T\d{6}Z\r\n/);
  for (const line of own.text.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, line);
  assert.ok(!/[^\r]\n/.test(own.text), 'CRLF only');
  const holderPage = await (await browserFor(holder)).get(`/events/${event.id}`);
  assert.ok(holderPage.text.includes(SECRET));
  assert.match(holderPage.text, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/, 'the ticket QR code');
});

test('pages: create, register, cancel, edit, check in with forms and CSRF tokens; CSV export', async () => {
  const admin = await browserFor(owner);
  let csrf = await admin.csrfFrom('/c/meetups/events');
  assert.ok(csrf);
  const bad = await admin.request('POST', '/c/meetups/events', { form: { _csrf: csrf, title: 'Bad zone', timezone: 'Mars/Base',
    starts_at: '2030-03-01T19:00', ends_at: '2030-03-01T21:00', capacity: '5', venue: 'Hall' } });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /IANA/);
  assert.equal((await admin.request('POST', '/c/meetups/events', { form: { title: 'No token', timezone: 'UTC',
    starts_at: '2030-03-01T19:00', ends_at: '2030-03-01T21:00', capacity: '5', venue: 'Hall' } })).status, 403);
  const created = await admin.request('POST', '/c/meetups/events', { form: { _csrf: csrf, title: 'Page meetup', timezone: 'Europe/Berlin',
    starts_at: '2030-07-01T19:00', ends_at: '2030-07-01T21:00', capacity: '1', venue: 'Hall 1', online_url: SECRET } });
  assert.equal(created.status, 303, created.text);
  const path = created.headers.get('location');
  const id = Number(path.split('/').pop());
  const api = (await owner.get(`/api/v1/events/${id}`)).data.event;
  assert.equal(api.starts_at, '2030-07-01T17:00:00Z', 'Berlin summer time is UTC+2');
  assert.equal(api.starts_at_local, '2030-07-01T19:00');

  const member = await newUser(server.base, 'pager');
  const browser = await browserFor(member);
  csrf = await browser.csrfFrom(path);
  const reg = await browser.request('POST', `${path}/register`, { form: { _csrf: csrf } });
  assert.equal(reg.status, 303);
  let page = await browser.get(path);
  assert.match(page.text, /data-ticket-code/);
  assert.ok(page.text.includes(SECRET));
  const code = (await member.get(`/api/v1/events/${id}`)).data.event.viewer_ticket.code;
  const qr = await browser.get(`/tickets/${code}/qr.svg`);
  assert.equal(qr.status, 200);
  assert.match(qr.headers.get('content-type'), /^image\/svg\+xml/);
  assert.equal((await (await browserFor(await newUser(server.base, 'peek'))).get(`/tickets/${code}/qr.svg`)).status, 404);
  assert.match((await browser.get('/me/tickets')).text, /Page meetup/);

  // Edit the event through its form (a sponsor too), then check in at the door.
  csrf = await admin.csrfFrom(`${path}/edit`);
  const sponsor = await admin.request('POST', `${path}/sponsors`, { form: { _csrf: csrf, name: 'Acme Corp', url: 'https://acme.example', tier_label: 'Gold' } });
  assert.equal(sponsor.status, 303);
  assert.match((await browser.get(path)).text, /Acme Corp/);
  csrf = await admin.csrfFrom(`${path}/checkin`);
  const checkin = await admin.request('POST', `${path}/checkin`, { form: { _csrf: csrf, code } });
  assert.equal(checkin.status, 200);
  assert.match(checkin.text, /data-checkin-result="ok"/);
  assert.match(checkin.text, /data-checkin-count>1</);
  const twice = await admin.request('POST', `${path}/checkin`, { form: { _csrf: csrf, code } });
  assert.equal(twice.status, 409);
  assert.match(twice.text, /data-checkin-result="already"/);
  assert.ok(twice.text.includes(owner.username));
  const csv = await admin.get(`${path}/attendees.csv`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  assert.ok(csv.text.startsWith('username,display_name,status'));
  assert.ok(csv.text.includes(member.username));
  assert.equal((await browser.get(`${path}/attendees.csv`)).status, 403);

  // A second member waits; the first cannot cancel a used ticket; a new one cancels by form.
  const other = await newUser(server.base, 'other');
  const otherBrowser = await browserFor(other);
  csrf = await otherBrowser.csrfFrom(path);
  await otherBrowser.request('POST', `${path}/register`, { form: { _csrf: csrf } });
  assert.equal((await other.get(`/api/v1/events/${id}`)).data.event.viewer_ticket.status, 'waitlisted');
  page = await otherBrowser.get(path);
  assert.ok(!page.text.includes(SECRET));
  csrf = await otherBrowser.csrfFrom(path);
  assert.equal((await otherBrowser.request('POST', `${path}/cancel`, { form: { _csrf: csrf } })).status, 303);
  assert.equal((await other.get(`/api/v1/events/${id}`)).data.event.viewer_ticket.status, 'canceled');
});

// Messages of one /ws connection; next(predicate) waits for the first matching one.
function liveSocket(token) {
  const socket = new WebSocket(`${server.base.replace('http', 'ws')}/ws?token=${token}`);
  const messages = [];
  const waiters = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    messages.push(message);
    for (const w of [...waiters]) if (w.predicate(message)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(message); }
  });
  return {
    opened: new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); }),
    send(object) { socket.send(JSON.stringify(object)); },
    next(predicate, ms = 5000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        waiters.push(waiter);
        setTimeout(() => reject(new Error('no such message in time')), ms);
      });
    },
    close() { socket.terminate(); },
  };
}

test('the check-in count is live for organisers only', async () => {
  const event = await createEvent({ capacity: 5 });
  const guest = await newUser(server.base, 'guest');
  const code = (await guest.post(`/api/v1/events/${event.id}/register`, {})).data.ticket.code;
  const organiser = liveSocket(owner.token);
  const outsider = liveSocket(guest.token);
  await Promise.all([organiser.opened, outsider.opened]);
  organiser.send({ type: 'subscribe_event', event_id: event.id });
  outsider.send({ type: 'subscribe_event', event_id: event.id });
  await organiser.next((m) => m.type === 'subscribed' && m.event_id === event.id);
  assert.equal((await outsider.next((m) => m.type === 'error')).code, 'live.not_allowed');
  assert.equal((await owner.post(`/api/v1/events/${event.id}/checkin`, { code })).status, 200);
  const live = await organiser.next((m) => m.type === 'checkin');
  assert.deepEqual(live, { type: 'checkin', event_id: event.id, checked_in: 1, confirmed: 1 });
  organiser.close();
  outsider.close();
});

test('a lapsed paid hold is released by the server and the next member is offered the seat', async () => {
  const event = await createEvent({ capacity: 1 });
  const vip = (await owner.post(`/api/v1/events/${event.id}/ticket-types`, { name: 'Paid', price: { amount_minor: 2000, currency: 'CNY' } })).data.ticket_type;
  const slow = await newUser(server.base, 'slow');
  const next = await newUser(server.base, 'next');
  const held = await slow.post(`/api/v1/events/${event.id}/register`, { ticket_type_id: vip.id });
  assert.equal(held.data.ticket.status, 'pending');
  assert.equal((await next.post(`/api/v1/events/${event.id}/register`, { ticket_type_id: vip.id })).data.ticket.status, 'waitlisted');
  // Let the hold lapse; the maintenance loop (every 5 s) releases it and offers the seat.
  sql(server, `UPDATE event_tickets SET hold_until = 1000 WHERE id = ${held.data.ticket.id}`);
  let offered;
  for (let i = 0; i < 30 && !offered; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const t = (await next.get(`/api/v1/events/${event.id}`)).data.event.viewer_ticket;
    if (t.status === 'pending') offered = t;
  }
  assert.ok(offered, 'the waitlisted member was offered the seat');
  assert.equal((await slow.get(`/api/v1/events/${event.id}`)).data.event.viewer_ticket.status, 'expired');
  const notes = (await next.get('/api/v1/me/notifications')).data.notifications;
  assert.ok(notes.some((n) => n.kind === 'event_seat_pay'));
  // The offered member pays through the one checkout.
  const checkout = await next.post('/api/v1/checkout', { item_kind: 'ticket', item_id: offered.id, provider: 'manual' });
  assert.equal(checkout.status, 201, checkout.text);
  assert.deepEqual(checkout.data.checkout.amount, { amount_minor: 2000, currency: 'CNY' });
  assert.equal((await owner.post(`/api/v1/checkout/${checkout.data.checkout.id}/confirm`, {})).status, 200);
  assert.equal((await next.get(`/api/v1/events/${event.id}`)).data.event.viewer_ticket.status, 'confirmed');
});

test('attendance points once the event runs; paid tickets and member prices from the pages', async () => {
  const running = await createEvent({ starts_at: hoursFromNow(-1), ends_at: hoursFromNow(1), capacity: 5 });
  const visitor = await newUser(server.base, 'visitor');
  const code = (await visitor.post(`/api/v1/events/${running.id}/register`, {})).data.ticket.code;
  await owner.post(`/api/v1/events/${running.id}/checkin`, { code });
  const admin = await browserFor(owner);
  let csrf = await admin.csrfFrom(`/events/${running.id}/attendees`);
  const granted = await admin.request('POST', `/events/${running.id}/points`, { form: { _csrf: csrf } });
  assert.equal(granted.status, 303);
  assert.match(granted.headers.get('location'), /granted=1$/);
  const again = await owner.post(`/api/v1/events/${running.id}/points`, {});
  assert.deepEqual(again.data, { attendees: 1, awarded: 0, points: 0 });
  const points = (await visitor.get('/api/v1/me/points')).data;
  assert.ok(points.entries.some((e) => e.reason === 'event_attended' && e.delta === 10), JSON.stringify(points));

  // A tier, a paid ticket type with a member price by the page form, bought by a member.
  const gold = (await owner.post('/api/v1/communities/meetups/tiers', { name: 'Gold', price: { amount_minor: 9900, currency: 'CNY' }, interval: 'month' })).data.tier;
  const event = await createEvent({ capacity: 5 });
  csrf = await admin.csrfFrom(`/events/${event.id}/edit`);
  const typed = await admin.request('POST', `/events/${event.id}/ticket-types`, { form: { _csrf: csrf, name: 'Dinner', price: '50.00', [`tier_${gold.id}`]: '30.00' } });
  assert.equal(typed.status, 303, typed.text);
  const types = (await owner.get(`/api/v1/events/${event.id}`)).data.event.ticket_types;
  const dinner = types.find((t) => t.name === 'Dinner');
  assert.deepEqual(dinner.member_prices, [{ tier_id: gold.id, amount_minor: 3000 }]);
  const badType = await admin.request('POST', `/events/${event.id}/ticket-types`, { form: { _csrf: csrf, name: 'Bad', price: 'ten' } });
  assert.equal(badType.status, 400);

  const member = await newUser(server.base, 'goldie');
  const tier = await member.post('/api/v1/checkout', { tier_id: gold.id, provider: 'manual' });
  await owner.post(`/api/v1/checkout/${tier.data.checkout.id}/confirm`, {});
  const browser = await browserFor(member);
  csrf = await browser.csrfFrom(`/events/${event.id}`);
  const bought = await browser.request('POST', `/events/${event.id}/register`, { form: { _csrf: csrf, ticket_type_id: String(dinner.id) } });
  assert.equal(bought.status, 303);
  const checkoutPath = bought.headers.get('location');
  assert.match(checkoutPath, /^\/checkout\/co_/);
  assert.match((await browser.get(checkoutPath)).text, /¥30\.00/);
  assert.equal((await member.get(`/api/v1/events/${event.id}`)).data.event.viewer_ticket.status, 'pending');
});

test("after the event its recording becomes a course lesson (API and page); only for the community's courses", async () => {
  const event = await createEvent({ title: 'Rust night' });
  const course = (await owner.post('/api/v1/communities/meetups/courses', { title: 'Rust', summary: 'Talks', access: 'free' })).data.course;
  const noRecording = await owner.post(`/api/v1/events/${event.id}/recording-lesson`, { course_id: course.id });
  assert.equal(noRecording.status, 409);
  assert.equal(noRecording.data.error.code, 'events.no_recording');
  assert.equal((await owner.patch(`/api/v1/events/${event.id}`, { recording_url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ' })).status, 200);

  const stranger = await newUser(server.base, 'rec');
  assert.equal((await stranger.post(`/api/v1/events/${event.id}/recording-lesson`, { course_id: course.id })).status, 403);
  const other = await newUser(server.base, 'otherowner');
  await other.post('/api/v1/communities', { slug: 'elsewhere', name: 'Elsewhere' });
  const foreign = (await other.post('/api/v1/communities/elsewhere/courses', { title: 'Theirs', summary: '', access: 'free' })).data.course;
  const wrong = await owner.post(`/api/v1/events/${event.id}/recording-lesson`, { course_id: foreign.id });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.data.error.code, 'events.course_not_found');

  const made = await owner.post(`/api/v1/events/${event.id}/recording-lesson`, { course_id: course.id });
  assert.equal(made.status, 201, made.text);
  assert.equal(made.data.lesson.kind, 'video');
  assert.equal(made.data.lesson.title, 'Rust night');
  const lesson = (await owner.get(`/api/v1/lessons/${made.data.lesson.id}`)).data.lesson;
  assert.match(lesson.video_embed_url, /youtube-nocookie\.com\/embed\/dQw4w9WgXcQ/);

  // From the organiser's edit page.
  const browser = await browserFor(owner);
  const page = await browser.get(`/events/${event.id}/edit`);
  assert.match(page.text, /action="\/events\/\d+\/recording-lesson"/);
  const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)[1];
  const posted = await browser.request('POST', `/events/${event.id}/recording-lesson`, { form: { _csrf: csrf, course_id: String(course.id) } });
  assert.equal(posted.status, 303);
  assert.match(posted.headers.get('location'), /^\/lessons\/\d+$/);
  const refused = await browser.request('POST', `/events/${event.id}/recording-lesson`, { form: { _csrf: csrf, course_id: String(foreign.id) } });
  assert.equal(refused.status, 400);
  assert.match(refused.text, /class="alert alert-error"/);
});

test('canceling an event tells every holder, ends unpaid tickets and refunds paid ones once', async () => {
  const event = await createEvent({ title: 'Canceled night', capacity: 2 });
  const vip = (await owner.post(`/api/v1/events/${event.id}/ticket-types`, { name: 'VIP', price: { amount_minor: 3000, currency: 'CNY' } })).data.ticket_type;
  const [payer, free, waiting] = [await newUser(server.base, 'cpay'), await newUser(server.base, 'cfree'), await newUser(server.base, 'cwait')];
  const bought = await payer.post(`/api/v1/events/${event.id}/register`, { ticket_type_id: vip.id });
  assert.equal(bought.status, 201, bought.text);
  const payment = (await owner.post(`/api/v1/checkout/${bought.data.checkout.id}/confirm`, {})).data.payment;
  assert.equal((await free.post(`/api/v1/events/${event.id}/register`, {})).data.ticket.status, 'confirmed');
  assert.equal((await waiting.post(`/api/v1/events/${event.id}/register`, {})).data.ticket.status, 'waitlisted');

  const canceled = await owner.patch(`/api/v1/events/${event.id}`, { status: 'canceled' });
  assert.equal(canceled.status, 200, canceled.text);
  for (const who of [payer, free, waiting]) {
    const notes = (await who.get('/api/v1/me/notifications')).data.notifications.filter((n) => n.kind === 'event_canceled');
    assert.equal(notes.length, 1, `${who.username} is told once`);
    assert.equal(notes[0].link, `/events/${event.id}`);
  }
  const statusOf = async (who) => (await who.get(`/api/v1/events/${event.id}`)).data.event.viewer_ticket?.status;
  assert.equal(await statusOf(free), 'canceled');
  assert.equal(await statusOf(waiting), 'canceled');
  // The paid ticket is refunded by the server's sweep, once.
  let status = 'confirmed';
  for (let i = 0; i < 40 && status !== 'refunded'; i++) {
    await new Promise((r) => setTimeout(r, 500));
    status = await statusOf(payer);
  }
  assert.equal(status, 'refunded');
  const payments = (await payer.get('/api/v1/me/payments')).data.payments.filter((p) => p.id === payment.id);
  assert.equal(payments[0].status, 'refunded');
  assert.equal((await waiting.post(`/api/v1/events/${event.id}/register`, {})).status, 409, 'no registering for a canceled event');
});

test('the books balance after ticket sales and refunds', () => {
  const out = execFileSync(binary, ['ledger', 'check', '--database', server.database], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(out, /ledger check: ok/);
});
