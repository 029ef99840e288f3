// Test harness: starts the real guildhall binary on a free loopback port with a fresh database
// (SQLite in a temp dir, or a fresh schema on the PostgreSQL server named by GH_TEST_PG), and
// offers a small HTTP client that keeps cookies like a browser.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const binary = process.env.GH_BINARY || new URL('../../build/guildhall', import.meta.url).pathname;

let counter = 0;

export async function startServer(extraArgs = []) {
  const dir = mkdtempSync(join(tmpdir(), 'gh-it-'));
  let database = `sqlite:${join(dir, 'gh.db')}`;
  let schema = null;
  const pg = process.env.GH_TEST_PG;
  if (pg) {
    schema = `it_${process.pid}_${counter++}_${Date.now() % 100000}`;
    execFileSync('psql', [pg, '-q', '-c', `CREATE SCHEMA ${schema}`]);
    database = `${pg}${pg.includes('?') ? '&' : '?'}options=-csearch_path%3D${schema}`;
  }
  // Uploaded files stay in the temp dir too (on PostgreSQL there is no database folder).
  const args = ['serve', '--listen', '127.0.0.1:0', '--database', database, '--threads', '2',
    '--data-dir', join(dir, 'data'), ...extraArgs];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on [^:]+:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${stderr}`)); });
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base, port, child, database, dir,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.on('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (schema) {
        try { execFileSync('psql', [pg, '-q', '-c', `DROP SCHEMA ${schema} CASCADE`]); } catch { /* best effort */ }
      }
      rmSync(dir, { recursive: true, force: true });
      return child.exitCode;
    },
  };
}

// A client with a cookie jar; `token` sends Authorization: Bearer.
export class Client {
  constructor(base, { token } = {}) {
    this.base = base;
    this.token = token;
    this.cookies = new Map();
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  storeCookies(response) {
    for (const c of response.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method, path, { json, form, headers = {}, raw, redirect = 'manual' } = {}) {
    const h = { ...headers };
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    if (this.cookies.size) h.Cookie = this.cookieHeader();
    let body;
    if (json !== undefined) { h['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
    if (form !== undefined) {
      h['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    if (raw !== undefined) body = raw;
    const response = await fetch(this.base + path, { method, headers: h, body, redirect });
    this.storeCookies(response);
    const text = await response.text();
    let data = null;
    if ((response.headers.get('content-type') || '').includes('application/json')) {
      try { data = JSON.parse(text); } catch { data = null; }
    }
    return { status: response.status, headers: response.headers, text, data };
  }

  get(path, opts) { return this.request('GET', path, opts); }
  post(path, json, opts = {}) { return this.request('POST', path, { ...opts, json }); }
  patch(path, json, opts = {}) { return this.request('PATCH', path, { ...opts, json }); }
  del(path, opts) { return this.request('DELETE', path, opts); }

  // The CSRF token a page embeds in its forms.
  async csrfFrom(path) {
    const page = await this.get(path);
    const m = page.text.match(/name="_csrf" value="([^"]+)"/);
    return m ? m[1] : null;
  }
}

let userCounter = 0;
// Signs up a fresh user over the API and returns a Bearer client for them.
export async function newUser(base, prefix = 'user') {
  const n = `${prefix}${Date.now() % 100000}${userCounter++}`;
  const anon = new Client(base);
  const r = await anon.post('/api/v1/auth/signup', { email: `${n}@example.com`, username: n, password: 'correct horse battery' });
  if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${r.text}`);
  const client = new Client(base, { token: r.data.token });
  client.username = n;
  client.user = r.data.user;
  return client;
}

// Runs one SQL statement on the server's database (sqlite3 or psql), e.g. to let time pass
// for a membership. Tests only: the server never offers such a door.
export function sql(server, statement) {
  if (server.database.startsWith('sqlite:')) {
    return execFileSync('sqlite3', [server.database.slice('sqlite:'.length), statement], { encoding: 'utf8' });
  }
  return execFileSync('psql', [server.database, '-q', '-t', '-A', '-c', statement], { encoding: 'utf8' });
}
