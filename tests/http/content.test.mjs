// Posts, feeds, drafts, scheduling, comments and votes over the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, Client, newUser } from './harness.mjs';

let server, owner, member, outsider;
before(async () => {
  server = await startServer();
  owner = await newUser(server.base, 'owner');
  member = await newUser(server.base, 'member');
  outsider = await newUser(server.base, 'outsider');
  await owner.post('/api/v1/communities', { slug: 'cpp', name: 'C++', description: 'Modern C++' });
  await member.post('/api/v1/communities/cpp/join', {});
});
after(async () => { await server.stop(); });

const code = '# Hello\n\n```cpp\nint main() { return 0; }\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nSee https://example.com';

test('a member posts; the post has the documented shape with rendered, highlighted Markdown', async () => {
  const r = await member.post('/api/v1/communities/cpp/posts', { title: 'First', body_md: code, kind: 'snippet', tags: ['C++', 'Beginner'] });
  assert.equal(r.status, 201);
  const id = r.data.post.id;
  const got = await new Client(server.base).get(`/api/v1/posts/${id}`);
  assert.equal(got.status, 200);
  const p = got.data.post;
  for (const k of ['id', 'title', 'body_html', 'kind', 'tags', 'author', 'upvotes', 'comment_count', 'created_at']) {
    assert.ok(k in p, k);
  }
  assert.equal(p.kind, 'snippet');
  assert.deepEqual(p.tags, ['beginner', 'c++']);
  assert.equal(p.author.username, member.username);
  assert.match(p.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.match(p.body_html, /<code class="language-cpp">/);
  assert.match(p.body_html, /tok-kw/);
  assert.match(p.body_html, /<table>/);
  assert.match(p.body_html, /<a [^>]*href="https:\/\/example.com"/);
});

test('long-form kinds need the creator role; outsiders cannot post', async () => {
  const art = await member.post('/api/v1/communities/cpp/posts', { title: 'Article', body_md: 'x', kind: 'article' });
  assert.equal(art.status, 403);
  assert.equal(art.data.error.code, 'content.creator_role_required');
  await owner.patch(`/api/v1/communities/cpp/members/${member.username}`, { role: 'creator' });
  const ok = await member.post('/api/v1/communities/cpp/posts', { title: 'Article', body_md: 'x', kind: 'article' });
  assert.equal(ok.status, 201);
  const out = await outsider.post('/api/v1/communities/cpp/posts', { title: 'Spam', body_md: 'x' });
  assert.equal(out.status, 403);
  const badKind = await member.post('/api/v1/communities/cpp/posts', { title: 'K', body_md: 'x', kind: 'poem' });
  assert.equal(badKind.status, 400);
  assert.equal(badKind.data.error.fields.kind, 'content.invalid_kind');
});

test('video posts embed whitelisted hosts and link others', async () => {
  const yt = await owner.post('/api/v1/communities/cpp/posts', { title: 'Talk', body_md: 'CppCon', kind: 'video', video_url: 'https://www.youtube.com/watch?v=abcDEF123_-&t=1' });
  assert.equal(yt.status, 201);
  assert.equal(yt.data.post.video_embed_url, 'https://www.youtube-nocookie.com/embed/abcDEF123_-');
  const other = await owner.post('/api/v1/communities/cpp/posts', { title: 'Elsewhere', body_md: 'x', kind: 'video', video_url: 'https://example.com/v.mp4' });
  assert.equal(other.status, 201);
  assert.equal(other.data.post.video_embed_url, '');
  const js = await owner.post('/api/v1/communities/cpp/posts', { title: 'Bad', body_md: 'x', kind: 'video', video_url: 'javascript:alert(1)' });
  assert.equal(js.status, 400);
  const none = await owner.post('/api/v1/communities/cpp/posts', { title: 'None', body_md: 'x', kind: 'video' });
  assert.equal(none.status, 400);
});

test('drafts are invisible to others and publish on request', async () => {
  const d = await member.post('/api/v1/communities/cpp/posts', { title: 'Secret draft', body_md: 'wip', draft: true });
  assert.equal(d.status, 201);
  assert.equal(d.data.post.status, 'draft');
  const id = d.data.post.id;
  assert.equal((await member.get(`/api/v1/posts/${id}`)).status, 200);
  assert.equal((await owner.get(`/api/v1/posts/${id}`)).status, 404);
  assert.equal((await new Client(server.base).get(`/api/v1/posts/${id}`)).status, 404);
  const feed = await new Client(server.base).get('/api/v1/communities/cpp/posts');
  assert.ok(!feed.data.posts.some((p) => p.id === id));
  const pub = await member.patch(`/api/v1/posts/${id}`, { draft: false });
  assert.equal(pub.data.post.status, 'published');
  assert.equal((await new Client(server.base).get(`/api/v1/posts/${id}`)).status, 200);
});

test('scheduled posts appear by themselves when their time comes', async () => {
  const at = new Date(Date.now() + 2500).toISOString();
  const s = await member.post('/api/v1/communities/cpp/posts', { title: 'Scheduled', body_md: 'later', publish_at: at });
  assert.equal(s.status, 201);
  const id = s.data.post.id;
  assert.equal(s.data.post.scheduled, true);
  const anon = new Client(server.base);
  assert.equal((await anon.get(`/api/v1/posts/${id}`)).status, 404);
  assert.ok(!(await anon.get('/api/v1/communities/cpp/posts')).data.posts.some((p) => p.id === id));
  assert.equal((await owner.get(`/api/v1/posts/${id}`)).status, 200, 'moderators see scheduled posts');
  await sleep(3000);
  assert.equal((await anon.get(`/api/v1/posts/${id}`)).status, 200);
  assert.ok((await anon.get('/api/v1/communities/cpp/posts')).data.posts.some((p) => p.id === id));
  const bad = await member.post('/api/v1/communities/cpp/posts', { title: 'Bad time', body_md: 'x', publish_at: 'tomorrow' });
  assert.equal(bad.status, 400);
  assert.equal(bad.data.error.code, 'content.invalid_publish_at');
});

test('editing and deleting: the author and moderators only', async () => {
  const p = await member.post('/api/v1/communities/cpp/posts', { title: 'Mine', body_md: 'original' });
  const id = p.data.post.id;
  await outsider.post('/api/v1/communities/cpp/join', {});
  const other = await outsider.patch(`/api/v1/posts/${id}`, { title: 'Defaced' });
  assert.equal(other.status, 403);
  assert.equal((await outsider.del(`/api/v1/posts/${id}`)).status, 403);
  const edited = await member.patch(`/api/v1/posts/${id}`, { title: 'Mine, edited', body_md: '**bold**', tags: ['x'] });
  assert.equal(edited.status, 200);
  assert.equal(edited.data.post.title, 'Mine, edited');
  assert.match(edited.data.post.body_html, /<strong>bold<\/strong>/);
  assert.equal((await member.patch(`/api/v1/posts/${id}`, { pinned: true })).status, 403);
  const mod = await owner.patch(`/api/v1/posts/${id}`, { pinned: true, essence: true });
  assert.equal(mod.status, 200);
  assert.equal(mod.data.post.pinned, true);
  const ess = await new Client(server.base).get('/api/v1/communities/cpp/posts?sort=essence');
  assert.ok(ess.data.posts.every((x) => x.essence));
  assert.ok(ess.data.posts.some((x) => x.id === id));
  assert.equal((await member.del(`/api/v1/posts/${id}`)).status, 200);
  assert.equal((await new Client(server.base).get(`/api/v1/posts/${id}`)).status, 404);
  assert.equal((await member.patch(`/api/v1/posts/${id}`, { title: 'zombie' })).status, 404);
});

test('comments with one level of replies, counts, deletion', async () => {
  const p = await member.post('/api/v1/communities/cpp/posts', { title: 'Discuss', body_md: 'talk' });
  const id = p.data.post.id;
  const c1 = await owner.post(`/api/v1/posts/${id}/comments`, { body_md: 'First!' });
  assert.equal(c1.status, 201);
  const reply = await member.post(`/api/v1/posts/${id}/comments`, { body_md: 'Reply', parent_id: c1.data.comment.id });
  assert.equal(reply.data.comment.parent_id, c1.data.comment.id);
  const nested = await owner.post(`/api/v1/posts/${id}/comments`, { body_md: 'Reply to reply', parent_id: reply.data.comment.id });
  assert.equal(nested.data.comment.parent_id, c1.data.comment.id, 'replies stay one level deep');
  const anonList = await new Client(server.base).get(`/api/v1/posts/${id}/comments`);
  assert.equal(anonList.data.comments.length, 3);
  assert.equal((await new Client(server.base).get(`/api/v1/posts/${id}`)).data.post.comment_count, 3);
  const stranger = await newUser(server.base, 'stranger');
  assert.equal((await stranger.post(`/api/v1/posts/${id}/comments`, { body_md: 'hi' })).status, 403);
  assert.equal((await member.post(`/api/v1/posts/${id}/comments`, { body_md: '   ' })).status, 400);
  assert.equal((await member.del(`/api/v1/comments/${c1.data.comment.id}`)).status, 403);
  assert.equal((await owner.del(`/api/v1/comments/${c1.data.comment.id}`)).status, 200);
  assert.equal((await new Client(server.base).get(`/api/v1/posts/${id}`)).data.post.comment_count, 2);
});

test('upvotes: one per member, idempotent, not on your own post; top sort follows', async () => {
  const p = await member.post('/api/v1/communities/cpp/posts', { title: 'Vote me', body_md: 'please' });
  const id = p.data.post.id;
  assert.equal((await member.post(`/api/v1/posts/${id}/upvote`, {})).status, 403);
  assert.equal((await owner.post(`/api/v1/posts/${id}/upvote`, {})).data.upvotes, 1);
  assert.equal((await owner.post(`/api/v1/posts/${id}/upvote`, {})).data.upvotes, 1);
  const top = await new Client(server.base).get('/api/v1/communities/cpp/posts?sort=top&limit=1');
  assert.equal(top.data.posts[0].upvotes >= 1, true);
  assert.equal((await owner.del(`/api/v1/posts/${id}/upvote`)).data.upvotes, 0);
  assert.equal((await owner.del(`/api/v1/posts/${id}/upvote`)).data.upvotes, 0);
});

test('feed cursor pagination walks every post once; tag filter', async () => {
  for (let i = 0; i < 7; i++) {
    await member.post('/api/v1/communities/cpp/posts', { title: `Paged ${i}`, body_md: 'x', tags: i % 2 ? ['odd'] : ['even'] });
  }
  const ids = new Set();
  let url = '/api/v1/communities/cpp/posts?limit=3';
  for (;;) {
    const page = await new Client(server.base).get(url);
    assert.equal(page.status, 200);
    for (const post of page.data.posts) {
      assert.ok(!ids.has(post.id));
      ids.add(post.id);
      assert.ok(!('body_html' in post), 'listings carry excerpts, not bodies');
    }
    if (!page.data.next_cursor) break;
    url = `/api/v1/communities/cpp/posts?limit=3&cursor=${encodeURIComponent(page.data.next_cursor)}`;
  }
  assert.ok(ids.size >= 7);
  const odd = await new Client(server.base).get('/api/v1/communities/cpp/posts?tag=odd');
  assert.equal(odd.data.posts.length, 3);
  assert.ok(odd.data.posts.every((p) => p.tags.includes('odd')));
  const tags = await new Client(server.base).get('/api/v1/communities/cpp/tags');
  assert.ok(tags.data.tags.some((t) => t.tag === 'even' && t.count === 4));
  assert.equal((await new Client(server.base).get('/api/v1/communities/cpp/posts?sort=hot')).status, 400);
  assert.equal((await new Client(server.base).get('/api/v1/communities/nope/posts')).status, 404);
});
