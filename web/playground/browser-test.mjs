#!/usr/bin/env node
// Opens the playground of a freshly started Conduit binary in headless
// Chromium (the machine's own, driven by puppeteer-core) and uses it as a
// person would:
//   - the page loads, GraphiQL's editors come up with the example tab, and the
//     schema loads (the documentation explorer lists the root types);
//   - Monaco's three workers run from this server's /assets/ (no fallback to
//     the main thread, nothing blocked by the Content-Security-Policy);
//   - the headers editor is visible, and what is typed there stays out of
//     localStorage;
//   - running the example query shows the first article in the result pane;
//   - a subscription runs over graphql-ws, sends the headers editor's JSON as
//     its connection_init payload, and shows a comment added meanwhile;
//   - every request the page and its workers made, websockets included, went
//     to the page's own origin.
// Exits non-zero on the first failure; prints "playground: N passed, N failed" last.
//
//   node browser-test.mjs ../../conduit     (CHROMIUM=/path/to/chromium to choose the browser)
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer from 'puppeteer-core';

const binary = process.argv[2];
if (!binary) {
  console.error('usage: node browser-test.mjs PATH-TO-CONDUIT-BINARY');
  process.exit(2);
}

function findChromium() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch { /* next */ }
  }
  throw new Error('no Chromium found: install it (make browser-deps, or Debian: apt-get install chromium) or set CHROMIUM');
}

const started = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'conduit-playground-'));
const server = spawn(resolve(binary), ['serve', '--addr', '127.0.0.1:0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
let serverOutput = '';
server.stdout.on('data', (chunk) => { serverOutput += chunk; });
server.stderr.on('data', (chunk) => { serverOutput += chunk; });
const exited = new Promise((res) => server.on('exit', res));

let browser;
let page;
let passed = 0;
let failed = 0;

async function finish(code) {
  if (browser) await browser.close().catch(() => {});
  server.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
  console.log(`browser test: ${((Date.now() - started) / 1000).toFixed(1)}s`);
  console.log(`playground: ${passed} passed, ${failed} failed`);
  process.exit(code);
}

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}: ${err.message}`);
    if (page) {
      const shot = join(tmpdir(), 'conduit-playground-failure.png');
      await page.screenshot({ path: shot }).then(() => console.log(`     screenshot: ${shot}`), () => {});
    }
    await finish(1);
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function waitFor(what, fn, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeout / 1000}s waiting for ${what}`);
}

async function baseURL() {
  return waitFor('the server to be ready', async () => {
    if (server.exitCode !== null) throw new Error(`the server exited:\n${serverOutput}`);
    const m = serverOutput.match(/listening on (http:\/\/\S+) /);
    if (!m) return null;
    try {
      return (await fetch(`${m[1]}/readyz`)).ok ? m[1] : null;
    } catch {
      return null;
    }
  }, 30_000);
}

async function graphql(base, query, variables, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const resp = await fetch(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await resp.json();
  if (body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

// editorText is what a Monaco editor shows (its rendered lines), with the
// non-breaking spaces Monaco renders turned back into spaces.
function editorText(page, selector) {
  return page.evaluate((sel) => {
    const lines = document.querySelector(`${sel} .monaco-editor .view-lines`);
    return lines ? lines.innerText.replace(/\u00a0/g, ' ') : '';
  }, selector);
}

// squash drops all whitespace, for comparing text that an editor may have wrapped.
const squash = (text) => text.replace(/\s+/g, '');

// replaceEditorText selects everything in a Monaco editor and types text over
// it, as one insertion (so Monaco adds no closing brackets of its own).
async function replaceEditorText(page, selector, text) {
  await page.click(`${selector} .monaco-editor .view-lines`);
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  await page.keyboard.sendCharacter(text);
  await waitFor(`${selector} to show what was typed`, async () =>
    squash(await editorText(page, selector)).includes(squash(text)));
}

// main runs the checks; whatever goes wrong outside one (the server refuses
// the setup requests, the browser does not start) still fails the run and
// stops the server and the browser.
async function main() {
  let base;
  try {
    base = await baseURL();
  } catch (err) {
    console.error(err.message);
    await finish(2);
  }
  const origin = new URL(base).origin;
  const wsOrigin = origin.replace(/^http/, 'ws');

  // What the page will show: the first article of the example query, and a
  // demo user (the development seed) to sign in as for the subscription test.
  const { articles } = await graphql(base, '{ articles(first: 1) { edges { node { id title author { username } } } } }');
  const first = articles.edges[0]?.node;
  if (!first) {
    console.error('the development seed gave no article');
    await finish(2);
  }
  const { signIn } = await graphql(base, 'mutation($email: String!) { signIn(input: {email: $email, password: "password123"}) { token } }',
    { email: `${first.author.username}@example.com` });

  browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    // Chromium refuses to start as root with its sandbox on (CI runs as root).
    // Small containers give /dev/shm too little room for the renderer.
    args: ['--disable-dev-shm-usage', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });

  // Every URL the page or a worker asked for, and every websocket it opened.
  const requested = [];
  const sockets = [];
  const framesSent = [];
  const framesReceived = [];
  const problems = [];
  page.on('request', (req) => requested.push(req.url()));
  // A blocked load or eval (Content-Security-Policy), or Monaco giving up on its
  // workers and running their code in the page instead.
  function watchConsole(msg) {
    const text = msg.text();
    if (/Content.Security.Policy|Could not create web worker|falling back/i.test(text)) problems.push(text);
  }
  page.on('console', watchConsole);
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('workercreated', async (worker) => {
    requested.push(worker.url());
    worker.on('console', watchConsole);
    try {
      await worker.client.send('Network.enable');
      worker.client.on('Network.requestWillBeSent', (e) => requested.push(e.request.url));
    } catch { /* a worker that ended at once */ }
  });
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  cdp.on('Network.requestWillBeSent', (e) => requested.push(e.request.url));
  cdp.on('Network.webSocketCreated', (e) => { sockets.push(e.url); requested.push(e.url); });
  cdp.on('Network.webSocketFrameSent', (e) => framesSent.push(e.response.payloadData));
  cdp.on('Network.webSocketFrameReceived', (e) => framesReceived.push(e.response.payloadData));

  await check('the page loads and GraphiQL shows the example tab', async () => {
    const resp = await page.goto(`${base}/`, { waitUntil: 'load' });
    assert(resp.status() === 200, `GET / = ${resp.status()}`);
    assert(/GraphiQL/.test(await page.title()), `title = ${await page.title()}`);
    await page.waitForSelector('.graphiql-query-editor .monaco-editor .view-lines', { timeout: 30_000 });
    await waitFor('the example query in the editor', async () => (await editorText(page, '.graphiql-query-editor')).includes('query HomePage'));
    const tab = await page.$eval('.graphiql-tab-active', (el) => el.textContent);
    assert(tab.includes('HomePage'), `active tab = ${tab}`);
  });

  await check('the schema loads (the documentation explorer lists the root types)', async () => {
    await page.click('button[aria-label="Show Documentation Explorer"]');
    await waitFor('the documentation explorer to list Query, Mutation and Subscription', () =>
      page.evaluate(() => {
        const text = document.querySelector('.graphiql-doc-explorer')?.innerText ?? '';
        return ['Query', 'Mutation', 'Subscription'].every((t) => text.includes(t));
      }));
  });

  await check("Monaco's workers run from this server's /assets/", async () => {
    const urls = await waitFor('the editor, JSON and GraphQL workers', () => {
      const u = page.workers().map((w) => w.url());
      return ['editor', 'json', 'graphql'].every((l) => u.some((x) => x.startsWith(`${origin}/assets/${l}.worker.`))) && u;
    });
    assert(urls.every((u) => u.startsWith(`${origin}/assets/`)), `workers: ${urls.join(', ')}`);
  });

  // The headers editor; the variables editor beside it is there but hidden.
  const headersEditor = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';
  await check('the headers editor is open, and its text stays out of localStorage', async () => {
    const visible = await page.evaluate((sel) => {
      const tab = document.querySelector('.graphiql-editor-tools button.active')?.textContent.trim();
      const editor = document.querySelector(`${sel} .monaco-editor`);
      return tab === 'Headers' && /headers\.json$/.test(editor?.dataset.uri ?? '') && editor.getBoundingClientRect().height > 0;
    }, headersEditor);
    assert(visible, 'no visible headers editor below the query editor');
    await replaceEditorText(page, headersEditor, `{"Authorization": "Bearer ${signIn.token}"}`);
    await new Promise((r) => setTimeout(r, 800)); // GraphiQL stores its state after a short debounce
    const stored = await page.evaluate(() => Object.keys(localStorage).map((k) => `${k}=${localStorage.getItem(k)}`).join('\n'));
    assert(stored.includes('graphiql:'), `GraphiQL stored nothing at all, so this check proves nothing:\n${stored}`);
    assert(!stored.includes(signIn.token), 'the token typed into the headers editor was written to localStorage');
  });

  await check('running the example query shows the first article', async () => {
    await page.click('.graphiql-execute-button');
    // Long lines wrap (in the middle of a word, too): compare without whitespace.
    const shown = await waitFor('the result pane to show the article', async () => {
      const text = squash(await editorText(page, '.graphiql-response'));
      return text.includes(squash(first.title)) && text;
    });
    assert(shown.includes('"data":'), `result pane:\n${shown}`);
    assert(shown.includes(`"username":"${first.author.username}"`), `the viewer signed in by the headers editor is missing:\n${shown}`);
  });

  await check('a subscription runs over graphql-ws and shows a comment added meanwhile', async () => {
    await replaceEditorText(page, '.graphiql-query-editor', `subscription Live { commentAdded(articleId: "${first.id}") { body author { username } } }`);
    // GraphiQL reads the operations of an edit 100 ms after it (a debounce),
    // and a run before that sends the previous operation's name; the tab
    // takes the new name in the same step.
    await waitFor('the active tab to name the subscription', async () =>
      (await page.$eval('.graphiql-tab-active', (el) => el.textContent)).includes('Live'));
    await page.click('.graphiql-execute-button');
    await waitFor('the subscription to be acknowledged', () =>
      framesReceived.some((f) => f.includes('"connection_ack"')) && framesSent.some((f) => f.includes('"subscribe"')));
    assert(sockets.length > 0 && sockets.every((u) => u === `${wsOrigin}/graphql`), `websockets: ${sockets.join(', ')}`);
    const init = framesSent.find((f) => f.includes('"connection_init"')) ?? '';
    assert(init.includes(signIn.token), `connection_init did not carry the headers editor's Authorization: ${init.slice(0, 200)}`);
    const body = `seen in the playground ${Date.now()}`;
    await graphql(base, 'mutation($id: ID!, $body: String!) { addComment(input: {articleId: $id, body: $body}) { comment { id } } }',
      { id: first.id, body }, signIn.token);
    await waitFor('the comment in the result pane', async () => squash(await editorText(page, '.graphiql-response')).includes(squash(body)));
  });

  await check("every request went to the page's own origin", async () => {
    assert(problems.length === 0, `the browser reported:\n${problems.join('\n')}`);
    const offOrigin = requested.filter((u) => !u.startsWith('data:') && !u.startsWith(`${origin}/`) && !u.startsWith(`${wsOrigin}/`));
    assert(offOrigin.length === 0, `requests off the page's origin:\n${offOrigin.join('\n')}`);
    assert(!requested.some((u) => u.endsWith('.map')), 'a source map was requested');
    const graphqlPosts = requested.filter((u) => u === `${origin}/graphql`).length;
    assert(graphqlPosts >= 2, `only ${graphqlPosts} requests to /graphql were seen: the request log is not working`);
  });

  await finish(0);
}

main().catch(async (err) => {
  failed++;
  console.log(`FAIL ${err.stack ?? err}`);
  await finish(1);
});
