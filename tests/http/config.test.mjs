// Configuration reaches the server: --public-url https makes cookies Secure; --trust-proxy
// honours X-Forwarded-Proto; GUILDHALL_* variables work like flags; --help for each command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, Client, binary } from './harness.mjs';

const signup = (c, n) => c.post('/api/v1/auth/signup', { email: `${n}@example.com`, username: n, password: 'config password' });

test('cookies are Secure when the public URL is https', async () => {
  const server = await startServer(['--public-url', 'https://guild.example.com']);
  try {
    const r = await signup(new Client(server.base), 'secureuser');
    assert.ok(r.headers.getSetCookie().some((c) => c.startsWith('gh_session=') && /;\s*Secure/i.test(c)));
  } finally { await server.stop(); }
});

test('cookies are not Secure over plain http, unless a trusted proxy says https', async () => {
  const server = await startServer(['--trust-proxy']);
  try {
    const plain = await signup(new Client(server.base), 'plainuser');
    assert.ok(plain.headers.getSetCookie().some((c) => c.startsWith('gh_session=') && !/;\s*Secure/i.test(c)));
    const proxied = await new Client(server.base).request('POST', '/api/v1/auth/signup', {
      json: { email: 'px@example.com', username: 'proxied', password: 'config password' },
      headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.9' } });
    assert.ok(proxied.headers.getSetCookie().some((c) => c.startsWith('gh_session=') && /;\s*Secure/i.test(c)));
  } finally { await server.stop(); }
});

test('every command has --help, and bad flags fail clearly', () => {
  for (const cmd of ['serve', 'migrate', 'demo', 'routes']) {
    const out = execFileSync(binary, [cmd, '--help'], { encoding: 'utf8' });
    assert.match(out, /Usage: guildhall/, cmd);
  }
  assert.match(execFileSync(binary, ['--help'], { encoding: 'utf8' }), /serve/);
  assert.throws(() => execFileSync(binary, ['serve', '--listen', 'nonsense'], { stdio: 'pipe' }), /HOST:PORT/);
  assert.throws(() => execFileSync(binary, ['frobnicate'], { stdio: 'pipe' }), /unknown command/);
});

test('GUILDHALL_* environment variables configure the server', async () => {
  const out = execFileSync(binary, ['migrate'], {
    encoding: 'utf8', env: { ...process.env, GUILDHALL_DATABASE: 'sqlite::memory:' } });
  assert.match(out, /migration\(s\) applied/);
});

test('guildhall ledger check passes on fresh books and refuses a missing verb', () => {
  const out = execFileSync(binary, ['ledger', 'check', '--database', 'sqlite::memory:'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(out, /ledger check: ok/);
  assert.throws(() => execFileSync(binary, ['ledger'], { stdio: 'pipe' }), /usage: guildhall ledger check/);
  assert.match(execFileSync(binary, ['ledger', '--help'], { encoding: 'utf8' }), /Usage: guildhall ledger check/);
});
