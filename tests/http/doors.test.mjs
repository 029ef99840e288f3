// Paid content at every door, for every kind of viewer: anonymous, a free member, a member of
// another tier, an expired member, a refunded buyer, and the paying members (a tier and a single
// post) who must see everything. The doors: the post page (and its meta tags), the API (HTML
// and Markdown), comments (read, write, vote), the community feed (API and page), the tag page,
// the author's profile, and the shared anonymous page cache.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, newUser, sql } from './harness.mjs';

const SECRET = 'DOORS_SECRET_4e2f';
const TEASER = 'DOORS_TEASER_c9b0';
const body = `${TEASER} is free to read.\n\n<!-- paywall -->\n\n${SECRET} is for payers, with \`code\`.`;

let server, owner, gold, silver;
const posts = {};

async function buy(client, input) {
  const checkout = (await client.post('/api/v1/checkout', { ...input, provider: 'manual' })).data.checkout;
  const confirmed = await owner.post(`/api/v1/checkout/${checkout.id}/confirm`, {});
  assert.equal(confirmed.status, 200);
  return confirmed.data.payment;
}

// Every door for one viewer and one post; `open` says whether the paid part must show.
async function tryDoors(who, client, id, open) {
  const seen = (text) => text.includes(SECRET);
  const api = await client.get(`/api/v1/posts/${id}`);
  assert.equal(api.status, 200, `${who}: API`);
  assert.equal(seen(JSON.stringify(api.data)), open, `${who}: API body`);
  assert.equal(api.data.post.locked, !open, `${who}: locked flag`);
  assert.ok(api.data.post.body_html.includes(TEASER), `${who}: preview`);
  for (let i = 0; i < 2; i++) {  // Twice: the anonymous cache may answer the second.
    const page = await client.get(`/p/${id}`);
    assert.equal(page.status, 200, `${who}: page`);
    assert.equal(seen(page.text), open, `${who}: page body`);
    assert.equal(/class="paywall/.test(page.text), !open, `${who}: paywall box`);
    const meta = [...page.text.matchAll(/<meta [^>]*content="([^"]*)"/g)].map((m) => m[1]).join(' ');
    assert.ok(!seen(meta), `${who}: meta tags never carry the paid part`);
  }
  const comments = await client.get(`/api/v1/posts/${id}/comments`);
  assert.equal(comments.status, open ? 200 : 402, `${who}: comments`);
  if (open) assert.ok(comments.data.comments.some((c) => c.body_html.includes(SECRET)), `${who}: comment body`);
  else assert.ok(!seen(comments.text), `${who}: comments leak`);
  const feed = await client.get('/api/v1/communities/doors/posts');
  assert.ok(!seen(JSON.stringify(feed.data)), `${who}: the feed carries excerpts only`);
  assert.equal(feed.data.posts.find((p) => p.id === id).locked, !open, `${who}: feed lock`);
  for (const path of ['/c/doors', '/c/doors/tags/paid-tag', `/u/${owner.username}`]) {
    const page = await client.get(path);
    assert.ok(!seen(page.text), `${who}: ${path} leaks`);
  }
}

before(async () => {
  server = await startServer();
  owner = await newUser(server.base, 'owner');
  await owner.post('/api/v1/communities', { slug: 'doors', name: 'Doors' });
  gold = (await owner.post('/api/v1/communities/doors/tiers', { name: 'Gold', price: { amount_minor: 30000, currency: 'CNY' }, interval: 'year' })).data.tier;
  silver = (await owner.post('/api/v1/communities/doors/tiers', { name: 'Silver', price: { amount_minor: 5000, currency: 'CNY' }, interval: 'month' })).data.tier;
  const make = async (key, extra) => {
    const made = await owner.post('/api/v1/communities/doors/posts', { title: `Post ${key}`, body_md: body, kind: 'article', tags: ['paid-tag'], ...extra });
    assert.equal(made.status, 201, made.text);
    posts[key] = made.data.post.id;
    await owner.post(`/api/v1/posts/${posts[key]}/comments`, { body_md: `a comment quoting ${SECRET}` });
  };
  await make('paid', { visibility: 'paid' });
  await make('gold', { visibility: 'tiers', tier_ids: [gold.id] });
  await make('sale', { visibility: 'paid', price: { amount_minor: 800, currency: 'CNY' } });
});
after(async () => { await server.stop(); });

test('viewers without access see previews only, at every door', async () => {
  const free = await newUser(server.base, 'free');
  await free.post('/api/v1/communities/doors/join', {});
  const silverMember = await newUser(server.base, 'silver');
  await buy(silverMember, { tier_id: silver.id });
  await tryDoors('anonymous', new Client(server.base), posts.paid, false);
  await tryDoors('free member', free, posts.paid, false);
  await tryDoors('free member', free, posts.sale, false);
  await tryDoors('member of another tier', silverMember, posts.gold, false);
  await tryDoors('member of another tier', silverMember, posts.sale, true);  // Any paid tier opens a 'paid' post.
  assert.equal((await free.post(`/api/v1/posts/${posts.paid}/comments`, { body_md: 'let me in' })).status, 402);
  assert.equal((await free.post(`/api/v1/posts/${posts.paid}/upvote`, {})).status, 402);
});

test('paying members see everything, and the anonymous cache never serves their view', async () => {
  const goldMember = await newUser(server.base, 'gold');
  await buy(goldMember, { tier_id: gold.id });
  for (const key of ['paid', 'gold', 'sale']) await tryDoors(`gold member (${key})`, goldMember, posts[key], true);
  const postBuyer = await newUser(server.base, 'postbuyer');
  await buy(postBuyer, { post_id: posts.sale });
  await tryDoors('buyer of the post', postBuyer, posts.sale, true);
  await tryDoors('buyer of the post', postBuyer, posts.paid, false);
  assert.equal((await postBuyer.post(`/api/v1/posts/${posts.sale}/comments`, { body_md: 'thanks' })).status, 201);
  // A cookie session too (the page door browsers use), then an anonymous read right after.
  const browser = new Client(server.base);
  await browser.post('/api/v1/auth/login', { login: goldMember.username, password: 'correct horse battery' });
  assert.ok((await browser.get(`/p/${posts.gold}`)).text.includes(SECRET));
  assert.ok(!(await new Client(server.base).get(`/p/${posts.gold}`)).text.includes(SECRET));
});

test('an expired member loses access at the period end', async () => {
  const lapsed = await newUser(server.base, 'lapsed');
  await buy(lapsed, { tier_id: gold.id });
  await tryDoors('member before expiry', lapsed, posts.gold, true);
  // Let the year pass: the period ended a second ago.
  const ended = Date.now() - 1000;
  sql(server, `UPDATE memberships SET current_period_end = ${ended} WHERE user_id = ${lapsed.user.id}`);
  sql(server, `UPDATE entitlements SET ends_at = ${ended} WHERE user_id = ${lapsed.user.id}`);
  await tryDoors('expired member', lapsed, posts.gold, false);
  await tryDoors('expired member', lapsed, posts.paid, false);
  const memberships = (await lapsed.get('/api/v1/me/memberships')).data.memberships;
  assert.equal(memberships[0].status, 'expired');
});

test('a refunded buyer loses access at once', async () => {
  const refunded = await newUser(server.base, 'refunded');
  const payment = await buy(refunded, { tier_id: gold.id });
  await tryDoors('member before the refund', refunded, posts.gold, true);
  const res = await owner.post(`/api/v1/payments/${payment.id}/refund`, {});
  assert.equal(res.status, 200, res.text);
  assert.equal(res.data.payment.status, 'refunded');
  await tryDoors('refunded member', refunded, posts.gold, false);
  await tryDoors('refunded member', refunded, posts.paid, false);
  const postRefunded = await newUser(server.base, 'postrefund');
  const bought = await buy(postRefunded, { post_id: posts.sale });
  await tryDoors('post buyer before the refund', postRefunded, posts.sale, true);
  assert.equal((await postRefunded.post(`/api/v1/payments/${bought.id}/refund`, {})).status, 200);  // Within the window.
  await tryDoors('refunded post buyer', postRefunded, posts.sale, false);
});
