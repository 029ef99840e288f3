// Browser test: one realistic story through the real binary in headless Debian chromium
// (playwright-core). Two users in separate browser contexts: sign up, create a community,
// write a tutorial with a highlighted C++ block and a table (server preview, then publish),
// join, comment, reply, and switch the interface to 简体中文.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../http/harness.mjs';
import { launchBrowser, newPage as openPage, PASSWORD } from './support.mjs';

const SCREENSHOT = process.env.GH_SCREENSHOT || '/tmp/gh-browser-post.png';
const FAILURE_SCREENSHOT = '/tmp/gh-browser-failure.png';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  // Each step on its own so one failure does not leak the other.
  try { if (browser) await browser.close(); } catch { /* already gone */ }
  if (server) await server.stop();
});

async function newPage(label) {
  return openPage(browser, server.base, label);
}

// Fills and submits the sign-up form from whatever page shows the header's "Sign up" link.
async function signUp(page, name) {
  await page.getByRole('banner').getByRole('link', { name: 'Sign up', exact: true }).click();
  await page.waitForURL(/\/signup/);
  await page.getByLabel('E-mail').fill(`${name}@example.com`);
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  // Signed in: the header's user menu replaces the log-in / sign-up links.
  await page.locator('details.user-menu').waitFor();
  await assertVisible(page.locator('details.user-menu summary'));
  assert.equal(await page.getByRole('banner').getByRole('link', { name: 'Sign up', exact: true }).count(), 0);
}

async function assertVisible(locator) {
  await locator.first().waitFor({ state: 'visible' });
}

const stamp = `${process.pid % 1000}${Date.now() % 10000}`;
const alice = `alice${stamp}`;
const bob = `bob${stamp}`;
const slug = `cpp-guild-${stamp}`;
const title = 'Hello, modern C++';
const body = [
  'A first program, with a **table** of return codes.',
  '',
  '```cpp',
  '#include <cstdio>',
  '',
  'int main() {',
  '    std::puts("hi"); // greet',
  '    return 0;',
  '}',
  '```',
  '',
  '| Code | Meaning |',
  '|------|---------|',
  '| 0    | success |',
  '| 1    | failure |',
  '',
].join('\n');

test('sign up, create a community, publish a tutorial, join, comment, switch language', { timeout: 120_000 }, async () => {
  const a = await newPage('A');
  let b;
  try {
    // 1. A signs up from the home page.
    await a.goto('/');
    await signUp(a, alice);

    // 2. A creates a community.
    await a.getByRole('banner').getByRole('link', { name: 'Create a community' }).click();
    await a.waitForURL(/\/communities\/new$/);
    await a.getByLabel('Name', { exact: true }).fill('C++ Guild');
    await a.locator('input[name="slug"]').fill(slug); // labelled "Address /c/…"
    await a.getByLabel('Description').fill('Modern C++ for working programmers.');
    await a.locator('textarea[name="rules_md"]').fill('1. Be **kind**.\n2. Post `code`, not screenshots.');
    await a.getByRole('button', { name: 'Create community' }).click();
    await a.waitForURL(new RegExp(`/c/${slug}$`));
    await assertVisible(a.getByRole('heading', { level: 1, name: 'C++ Guild' }));
    await assertVisible(a.locator('.sidebar .prose strong', { hasText: 'kind' }));

    // 3. A writes a tutorial: server-side preview once, then publish.
    await a.getByRole('link', { name: 'New post' }).click();
    await a.waitForURL(new RegExp(`/c/${slug}/new$`));
    await a.getByLabel('Title').fill(title);
    await a.getByLabel('Kind').selectOption('tutorial');
    await a.locator('textarea[name="body_md"]').fill(body);
    // The Preview button posts the form; the server re-renders the editor with the preview
    // (app.js may also fill the pane live, so check the server's response itself too).
    const [previewResponse] = await Promise.all([
      a.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/c/${slug}/new`),
      a.getByRole('button', { name: 'Preview' }).click(),
    ]);
    assert.equal(previewResponse.status(), 200);
    const previewHtml = await previewResponse.text();
    assert.match(previewHtml, /data-preview[^>]*>[\s\S]*<table>/, 'the server rendered the table in the preview pane');
    await a.waitForLoadState('domcontentloaded');
    const preview = a.locator('[data-preview]');
    await assertVisible(preview.locator('table'));
    await assertVisible(preview.locator('td', { hasText: 'success' }));
    await assertVisible(preview.locator('pre code.language-cpp'));
    // The form kept what was typed.
    assert.equal(await a.getByLabel('Title').inputValue(), title);
    assert.equal(await a.getByLabel('Kind').inputValue(), 'tutorial');
    assert.equal((await a.locator('textarea[name="body_md"]').inputValue()).replace(/\r\n/g, '\n').trim(), body.trim());

    await a.getByRole('button', { name: 'Publish' }).click();
    await a.waitForURL(/\/p\/\d+$/);
    const postUrl = new URL(a.url()).pathname;
    await assertVisible(a.getByRole('heading', { level: 1, name: title }));
    await assertVisible(a.locator('.post-header .kind-tutorial'));
    const code = a.locator('.post-body pre code.language-cpp');
    await assertVisible(code);
    assert.match(await code.innerText(), /int main\(\) \{/);
    assert.ok(await code.locator('span.tok-kw, span.tok-ty').count() > 0, 'C++ keywords/types are highlighted');
    await assertVisible(code.locator('span.tok-ty', { hasText: /^int$/ }));
    await assertVisible(code.locator('span.tok-kw', { hasText: /^return$/ }));
    await assertVisible(code.locator('span.tok-com', { hasText: '// greet' }));
    const table = a.locator('.post-body table');
    await assertVisible(table);
    assert.equal(await table.locator('tbody tr').count(), 2);
    await assertVisible(table.locator('th', { hasText: 'Meaning' }));

    // 4. B, in a separate context (own cookies), signs up, joins and comments.
    b = await newPage('B');
    await b.goto('/');
    await signUp(b, bob);
    await b.goto(`/c/${slug}`);
    await b.getByRole('button', { name: 'Join', exact: true }).click();
    await b.waitForURL(new RegExp(`/c/${slug}`));
    await assertVisible(b.getByRole('button', { name: 'Leave', exact: true }));
    await b.getByRole('link', { name: title }).first().click();
    await b.waitForURL(new RegExp(`${postUrl}$`));
    const bobComment = 'Thanks! Does `return 0;` matter in *main*?';
    await b.locator('form.comment-form textarea[name="body_md"]').fill(bobComment);
    await b.locator('form.comment-form').getByRole('button', { name: 'Comment' }).click();
    await b.waitForURL(new RegExp(`${postUrl}`));
    const bobsOnB = b.locator('li.comment', { has: b.locator('.comment-body', { hasText: 'Does return 0; matter in main?' }) });
    await assertVisible(bobsOnB);
    await assertVisible(bobsOnB.locator('.comment-body em', { hasText: 'main' }));
    await assertVisible(bobsOnB.locator('.comment-body code', { hasText: 'return 0;' }));

    // A reloads the post, sees B's comment and replies to it.
    await a.reload();
    const bobsOnA = a.locator('li.comment', { has: a.locator('.comment-body', { hasText: 'Does return 0; matter in main?' }) });
    await assertVisible(bobsOnA);
    await assertVisible(bobsOnA.locator('.author', { hasText: bob }));
    await bobsOnA.locator('details.reply summary').click();
    const reply = 'Not in `main`: it returns 0 by default.';
    await bobsOnA.locator('form[data-reply-form] textarea').fill(reply);
    await bobsOnA.locator('form[data-reply-form]').getByRole('button', { name: 'Comment' }).click();
    await a.waitForURL(new RegExp(`${postUrl}`));
    const replyItem = a.locator('li.comment.is-reply', { hasText: 'it returns 0 by default' });
    await assertVisible(replyItem);
    await assertVisible(replyItem.locator('.author', { hasText: alice }));
    // B sees the reply too.
    await b.reload();
    await assertVisible(b.locator('li.comment.is-reply', { hasText: 'it returns 0 by default' }));

    // 5. A switches the interface to 简体中文 from the header.
    await a.locator('details.lang-switch summary').click();
    await a.getByRole('link', { name: '简体中文' }).click();
    await assertVisible(a.getByRole('banner').getByRole('link', { name: '发现' }));
    assert.equal(await a.locator('html').getAttribute('lang'), 'zh-CN');
    assert.equal(new URL(a.url()).pathname, postUrl, 'the language switch returns to the same page');
    await assertVisible(a.getByRole('heading', { level: 2, name: /评论/ }));
    // Content stays as written.
    await assertVisible(a.getByRole('heading', { level: 1, name: title }));

    // 6. A screenshot of the post page for a human to look at.
    await a.screenshot({ path: SCREENSHOT, fullPage: true });

    // No script errors along the way (app.js is progressive enhancement and must not throw).
    assert.deepEqual([...a.problems, ...b.problems].filter((p) => /page error/.test(p)), []);
  } catch (err) {
    try { await a.screenshot({ path: FAILURE_SCREENSHOT, fullPage: true }); } catch { /* ignore */ }
    const extra = [`URL A: ${a.url()}`, b ? `URL B: ${b.url()}` : '', ...(a.problems || []), ...((b && b.problems) || []),
      `failure screenshot: ${FAILURE_SCREENSHOT}`, `server stderr (tail):\n${server.stderr().slice(-3000)}`].filter(Boolean).join('\n');
    err.message = `${err.message}\n${extra}`;
    throw err;
  } finally {
    await a.context().close().catch(() => {});
    if (b) await b.context().close().catch(() => {});
  }
});
