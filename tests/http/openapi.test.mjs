// Every API route the binary registers is described in docs/openapi.yaml, with its method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { binary } from './harness.mjs';

// The paths section of our YAML: "  /path:" lines, then "    get:" lines below each.
function describedOperations(yaml) {
  const ops = new Set();
  let path = null;
  let inPaths = false;
  for (const line of yaml.split('\n')) {
    if (/^paths:/.test(line)) { inPaths = true; continue; }
    if (/^\S/.test(line)) { inPaths = false; continue; }
    if (!inPaths) continue;
    const p = line.match(/^ {2}(\/\S*):\s*$/);
    if (p) { path = p[1]; continue; }
    const m = line.match(/^ {4}(get|post|put|patch|delete):/);
    if (m && path) ops.add(`${m[1].toUpperCase()} ${path}`);
  }
  return ops;
}

test('docs/openapi.yaml describes every registered API route', () => {
  const yaml = readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8');
  assert.match(yaml, /^openapi: 3\./m);
  const described = describedOperations(yaml);
  const routes = execFileSync(binary, ['routes'], { encoding: 'utf8' }).trim().split('\n');
  const api = routes.filter((r) => r.split(' ')[1].startsWith('/api/'));
  assert.ok(api.length > 20, 'the binary lists its routes');
  const missing = api.filter((r) => !described.has(r));
  assert.deepEqual(missing, [], `routes missing from docs/openapi.yaml: ${missing.join(', ')}`);
});
