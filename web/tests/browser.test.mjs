// The web pages in a real browser: Debian's Chromium driven by playwright-core, against a
// running stack (scripts/tests/browser_test.sh starts it and sets the environment):
//   CLAIMS_URL, PAYMENTS_URL    claim-service and one payment-service instance
//   OPERATOR_API_KEY            the stack runs with --auth required
//   PAID_CLAIM, POLICY_ID       a claim that reached PAID, and its policy
//   FAILED_CLAIM                a paid claim cancelled while the gateway's refunds are down
//                               (COMPENSATION_FAILED; each retry fails again)
//   DEAD_LETTER_TOPIC           a provider's topic (provider "late", not registered) whose one
//                               message, a claim on POLICY_ID, is dead-lettered
//   ARTIFACTS                   where the screenshots go (kept as the test's artifacts)
// Run: node --test web/tests/browser.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is not set (scripts/tests/browser_test.sh sets it)`);
  return value;
};
const claims = env('CLAIMS_URL');
const payments = env('PAYMENTS_URL');
const operatorKey = env('OPERATOR_API_KEY');
const paidClaim = env('PAID_CLAIM');
const failedClaim = env('FAILED_CLAIM');
const policyId = env('POLICY_ID');
const artifacts = env('ARTIFACTS');
const deadTopic = env('DEAD_LETTER_TOPIC');
mkdirSync(artifacts, { recursive: true });

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // This machine's network is closed: no background connections, no sandbox as root.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => { await browser?.close(); });

// A page that fails the test on any script error or failed request of its own origin.
async function openPage(t) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push('script error: ' + e.message));
  page.on('requestfailed', (r) => problems.push('request failed: ' + r.url()));
  t.after(async () => {
    await page.close();
    assert.deepEqual(problems, [], 'the page reported problems');
  });
  return page;
}
async function shot(page, name) {
  await page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });
}

for (const [service, url, operation] of [
  ['claim-service', claims, '/claims/{claim_id}/history'],
  ['payment-service', payments, '/payments/{payment_id}'],
]) {
  test(`/docs of ${service} renders its own OpenAPI document`, async (t) => {
    const page = await openPage(t);
    await page.goto(url + '/docs');
    await page.locator('.swagger-ui .info .title').waitFor();
    assert.match(await page.locator('.swagger-ui .info .title').innerText(), new RegExp(service));
    const paths = await page.locator('.opblock-summary-path').allInnerTexts();
    assert.ok(paths.some((p) => p.replace(/\u200b/g, '') === operation), `${operation} in ${paths}`);
    await shot(page, `docs-${service}`);
  });
}

test('/console: counts, search by state and by date, a claim\'s timeline', async (t) => {
  const page = await openPage(t);
  await page.goto(claims + '/console');
  // Without a key the API refuses and the page says so.
  await page.locator('#error').waitFor({ state: 'visible' });
  assert.match(await page.locator('#error').innerText(), /401/);
  await page.fill('#api-key', operatorKey);
  await page.click('#key-form button');
  await page.locator('#error').waitFor({ state: 'hidden' });

  // Claims per state, from /stats/events.
  const paidCard = page.locator('.card[data-state="PAID"] .count');
  await page.waitForFunction(() => Number(document.querySelector('.card[data-state="PAID"] .count')?.textContent) >= 1);
  assert.ok(Number(await paidCard.innerText()) >= 1);
  await page.locator('#throughput polyline').waitFor({ state: 'attached' });

  // Search: PAID claims of the policy.
  await page.selectOption('#search-form select[name="status"]', 'PAID');
  await page.fill('#search-form input[name="policy_id"]', policyId);
  await page.click('#search-form button');
  const row = page.locator(`#results tr[data-claim="${paidClaim}"]`);
  // The unfiltered list shown before holds the claim too: wait for the search's own answer.
  await page.waitForFunction((id) => {
    const cells = [...document.querySelectorAll('#results tbody td:nth-child(2)')];
    return document.querySelector(`#results tr[data-claim="${id}"]`) &&
      cells.every((td) => td.textContent === 'PAID');
  }, paidClaim);
  const states = await page.locator('#results tbody td:nth-child(2)').allInnerTexts();
  assert.ok(states.length >= 1 && states.every((s) => s === 'PAID'), `states: ${states}`);
  await shot(page, 'console-search');

  // By date: today's claims include it, yesterday's do not.
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  await page.goto(`${claims}/console#/claims?policy_id=${policyId}&submitted_from=${today}&submitted_to=${tomorrow}`);
  await row.waitFor();
  await page.goto(`${claims}/console#/claims?policy_id=${policyId}&submitted_to=${today}`);
  await page.waitForFunction(() => document.querySelector('#results-more').textContent.startsWith('0 claims'));

  // The claim's story: its states in order, the possible next step, the changes.
  await page.goto(`${claims}/console#/claim/${paidClaim}`);
  await page.locator('#timeline g.step').first().waitFor();
  const steps = await page.locator('#timeline g.step text.name').allTextContents();
  assert.deepEqual(steps, ['SUBMITTED', 'RESERVED', 'PAYMENT_REQUESTED', 'PAID']);
  assert.equal(await page.locator('#claim-state').innerText(), 'PAID');
  const next = await page.locator('#next-steps li').allInnerTexts();
  assert.ok(next.some((n) => n.includes('CANCEL_REQUESTED') && n.includes('REVERSAL_REQUESTED')), `next: ${next}`);
  const changes = await page.locator('#changes tbody tr').count();
  assert.equal(changes, 4);
  // The diff of the saga's data between steps: the payment id appears when the payment is asked
  // for, the attempt count and the deadline with it.
  const requested = page.locator('#changes tbody tr[data-seq="3"] td.diff');
  assert.match(await requested.innerText(), /payment_id/);
  assert.equal(await page.locator('#changes tbody tr[data-seq="1"] td.diff').innerText(), 'created');
  assert.match(await page.locator('#claim-fields').innerText(), /net_fee/);
  // The messages that crossed to payment-service: the command sent, the result taken; and each
  // step's WAL entry (the submission's three steps are one entry, the settlement another).
  assert.match(await page.locator('#changes tbody tr[data-seq="3"] td.messages').innerText(),
    /sent PAYMENT_REQUESTED attempt 1/);
  assert.match(await page.locator('#changes tbody tr[data-seq="4"] td.messages').innerText(),
    /took PAYMENT_SETTLED/);
  const wal = await page.locator('#changes tbody td.wal').allInnerTexts();
  assert.equal(wal.length, 4);
  assert.match(wal[0], /^claim-service\/claim-1 @ \d+$/);
  assert.equal(wal[1], wal[0]);
  assert.equal(wal[2], wal[0]);
  assert.notEqual(wal[3], wal[0]);
  assert.deepEqual(await page.locator('#timeline text.result').allTextContents(), ['⇐ PAYMENT_SETTLED']);
  assert.equal(await page.locator('#timeline text.wal').count(), 4);
  // Its payment as payment-service and the gateway's ledger have it.
  const payment = page.locator('#payments tbody tr');
  await payment.first().waitFor();
  assert.equal(await payment.count(), 1);
  assert.equal(await payment.locator('td.ledger').innerText(), 'SETTLED');
  assert.match(await page.locator('#payments-note').innerText(), /^from http:/);
  // ... and the ledger's entry drawn in the timeline, in its own lane.
  assert.match(await page.locator('#timeline g.ledger-entry text.name').textContent(), /^ledger SETTLED \d+\.\d\d$/);
  await shot(page, 'console-claim');
});

// A claim whose refund could not be made: the operator sees why, and the button retries it (the
// gateway's refunds are still down, so it is parked again, with the retry in its story).
test('/console: a COMPENSATION_FAILED claim is retried from its page', async (t) => {
  const page = await openPage(t);
  await page.goto(claims + '/console');
  await page.fill('#api-key', operatorKey);
  await page.click('#key-form button');
  await page.goto(`${claims}/console#/claim/${failedClaim}`);
  const button = page.locator('#claim-actions button.retry');
  await button.waitFor();
  assert.equal(await page.locator('#claim-state').innerText(), 'COMPENSATION_FAILED');
  // What the operator needs to see first: the refund's failure, and that the ledger still holds
  // the settled charge.
  assert.match(await page.locator('#changes tbody').innerText(), /took PAYMENT_ATTEMPT_FAILED: simulated outage of REFUND_REQUESTED/);
  await page.locator('#payments tbody tr').first().waitFor();
  assert.equal(await page.locator('#payments td.ledger').innerText(), 'SETTLED');
  await shot(page, 'console-compensation-failed');
  await button.click();
  await page.waitForFunction(() => [...document.querySelectorAll('#timeline text.event')]
    .some((e) => e.textContent === 'RETRY_REFUND'));
  const retried = page.locator('#changes tbody tr', { hasText: 'RETRY_REFUND' });
  assert.match(await retried.innerText(), /retried by an operator/);
  assert.match(await retried.innerText(), /sent REFUND_REQUESTED attempt 1/);
  assert.equal(await page.locator('#error').isVisible(), false);
  await shot(page, 'console-compensation-retried');
});

// The API as the operator, outside the page (to fix a dead letter's cause, to see the result).
async function asOperator(method, path, body) {
  const response = await fetch(claims + path, {
    method,
    headers: { Authorization: 'Bearer ' + operatorKey, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

test('/console: dead letters listed, filtered and re-driven once their cause is fixed', async (t) => {
  const page = await openPage(t);
  await page.goto(claims + '/console');
  await page.fill('#api-key', operatorKey);
  await page.click('#key-form button');
  await page.goto(`${claims}/console#/dead-letters`);
  const topicRow = page.locator(`#dlq-topics tr[data-topic="${deadTopic}.dlq"]`);
  await topicRow.waitFor();
  assert.equal(await topicRow.locator('.count').innerText(), '1');
  await topicRow.locator('a').click();
  const letter = page.locator('#dlq-letters tr[data-key="late-1"]');
  await letter.waitFor();
  assert.match(await letter.innerText(), /no provider late is registered/);
  assert.match(await letter.innerText(), new RegExp(`${deadTopic}/\\d+/0`));
  assert.match(await letter.innerText(), new RegExp(policyId));
  // A filter that chooses nothing, then one that chooses it.
  await page.fill('#dlq-form input[name="key"]', 'nobody');
  await page.click('#dlq-form button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('#dlq-summary').textContent.startsWith('1 kept, 0 chosen'));
  assert.equal(await page.locator('#dlq-letters tbody tr').count(), 0);
  await page.fill('#dlq-form input[name="key"]', 'late-1');
  await page.click('#dlq-form button[type="submit"]');
  await letter.waitFor();
  await shot(page, 'console-dead-letters');

  // The cause fixed (the provider registered), the dead letter re-driven from the page: its claim
  // is taken.
  const created = await asOperator('POST', '/admin/providers', { name: 'late' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await letter.locator('button.redrive').click();
  await page.waitForFunction(() => document.querySelector('#dlq-result').textContent.startsWith('1 re-driven'));
  assert.match(await page.locator('#dlq-result').innerText(), new RegExp(`to ${deadTopic} `));
  let claimsOfLate = [];
  for (let i = 0; i < 300 && !claimsOfLate.length; i++) {
    claimsOfLate = (await asOperator('GET', '/claims?provider=late')).body || [];
    if (!claimsOfLate.length) await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(claimsOfLate.length, 1, 'the re-driven claim was taken');
  assert.equal(claimsOfLate[0].policy_id, policyId);
});
