// Paid content at every door a visitor without access can reach: the page (also when served
// from the anonymous cache), the API, the feed, comments, meta tags, the Markdown source.
// (Paying members arrive with checkout; their side is covered by the service tests for now.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, newUser } from './harness.mjs';

let server, owner, creator, member, stranger;
const SECRET = 'PAID_SECRET_7d1c';
const TEASER = 'FREE_TEASER_91ab';
const body = `${TEASER} is free.\n\n<!-- paywall -->\n\n${SECRET} is paid, with \`code\`.`;

before(async () => {
  server = await startServer();
  owner = await newUser(server.base, 'owner');
  creator = await newUser(server.base, 'creator');
  member = await newUser(server.base, 'member');
  stranger = await newUser(server.base, 'stranger');
  await owner.post('/api/v1/communities', { slug: 'paid-club', name: 'Paid Club' });
  await creator.post('/api/v1/communities/paid-club/join', {});
  await member.post('/api/v1/communities/paid-club/join', {});
  await owner.patch(`/api/v1/communities/paid-club/members/${creator.username}`, { role: 'creator' });
});
after(async () => { await server.stop(); });

function noSecret(text, where) {
  assert.ok(!text.includes(SECRET), `${where} leaks the paid part`);
}

test('a paid post shows only its preview to visitors without access, at every door', async () => {
  const made = await creator.post('/api/v1/communities/paid-club/posts', { title: 'Paid tutorial', body_md: body, visibility: 'paid', kind: 'tutorial' });
  assert.equal(made.status, 201);
  assert.equal(made.data.post.locked, false, 'the author reads it all');
  assert.ok(made.data.post.body_html.includes(SECRET));
  const id = made.data.post.id;
  await creator.post(`/api/v1/posts/${id}/comments`, { body_md: `comment about ${SECRET}` });

  for (const [who, client] of [['anonymous', new Client(server.base)], ['free member', member], ['stranger', stranger]]) {
    const api = await client.get(`/api/v1/posts/${id}`);
    assert.equal(api.status, 200, who);
    assert.equal(api.data.post.locked, true, who);
    assert.equal(api.data.post.gated, true);
    noSecret(JSON.stringify(api.data), `API for ${who}`);
    assert.ok(api.data.post.body_html.includes(TEASER));
    const comments = await client.get(`/api/v1/posts/${id}/comments`);
    assert.equal(comments.status, 402, who);
    assert.equal(comments.data.error.code, 'access.locked');
    const feed = await client.get('/api/v1/communities/paid-club/posts');
    noSecret(JSON.stringify(feed.data), `feed for ${who}`);
    assert.equal(feed.data.posts.find((p) => p.id === id).locked, true);
    // Twice: the second anonymous read may come from the shared page cache.
    for (let i = 0; i < 2; i++) {
      const page = await client.get(`/p/${id}`);
      assert.equal(page.status, 200);
      noSecret(page.text, `page for ${who}`);
      assert.ok(page.text.includes(TEASER));
      assert.match(page.text, /class="paywall/);
    }
    noSecret((await client.get('/c/paid-club')).text, `community page for ${who}`);
  }
  assert.equal((await member.post(`/api/v1/posts/${id}/comments`, { body_md: 'let me in' })).status, 402);
  assert.equal((await member.post(`/api/v1/posts/${id}/upvote`, {})).status, 402);
  // Staff read it all.
  const asOwner = await owner.get(`/api/v1/posts/${id}`);
  assert.equal(asOwner.data.post.locked, false);
  assert.ok(asOwner.data.post.body_md.includes(SECRET));
});

test('members-only posts open to any member, free included', async () => {
  const made = await creator.post('/api/v1/communities/paid-club/posts', { title: 'Members', body_md: body, visibility: 'members' });
  const id = made.data.post.id;
  noSecret(JSON.stringify((await new Client(server.base).get(`/api/v1/posts/${id}`)).data), 'anonymous API');
  noSecret(JSON.stringify((await stranger.get(`/api/v1/posts/${id}`)).data), 'non-member API');
  const asMember = await member.get(`/api/v1/posts/${id}`);
  assert.equal(asMember.data.post.locked, false);
  assert.ok(asMember.data.post.body_html.includes(SECRET));
  // The shared anonymous cache never serves a member's view, nor a member an anonymous one.
  await new Client(server.base).get(`/p/${id}`);
  noSecret((await new Client(server.base).get(`/p/${id}`)).text, 'cached anonymous page');
});

test('gating rules: creators gate, members cannot; prices are validated', async () => {
  const denied = await member.post('/api/v1/communities/paid-club/posts', { title: 'x', body_md: 'y', visibility: 'paid' });
  assert.equal(denied.status, 403);
  assert.equal(denied.data.error.code, 'content.creator_role_required');
  const badPrice = await creator.post('/api/v1/communities/paid-club/posts', { title: 'x', body_md: 'y', price: { amount_minor: 100, currency: 'XXX' } });
  assert.equal(badPrice.status, 400);
  const shape = await creator.post('/api/v1/communities/paid-club/posts', { title: 'x', body_md: 'y', price: 9.9 });
  assert.equal(shape.status, 400);
  const sale = await creator.post('/api/v1/communities/paid-club/posts', { title: 'For sale', body_md: body, price: { amount_minor: 990, currency: 'CNY' } });
  assert.equal(sale.status, 201);
  assert.deepEqual(sale.data.post.price, { amount_minor: 990, currency: 'CNY' });
  const seen = await member.get(`/api/v1/posts/${sale.data.post.id}`);
  assert.equal(seen.data.post.locked, true);
  noSecret(JSON.stringify(seen.data), 'post for sale');
  const page = await new Client(server.base).get(`/p/${sale.data.post.id}`);
  assert.match(page.text, /¥9\.90/);
  const unsold = await creator.patch(`/api/v1/posts/${sale.data.post.id}`, { price: null });
  assert.equal(unsold.data.post.price, null);
  assert.equal((await member.get(`/api/v1/posts/${sale.data.post.id}`)).data.post.locked, false);
});
