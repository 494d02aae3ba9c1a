// Interop: deliveries signed by each provider's own official library must verify on the real hub.
// Standard Webhooks (the `standardwebhooks` reference library), Svix (`svix`), Stripe
// (`stripe`'s own test-header generator) and GitHub (`@octokit/webhooks-methods`). Meta signs
// exactly like GitHub (`X-Hub-Signature-256`), so the same library serves for it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import Stripe from "stripe";
import { sign as githubSign } from "@octokit/webhooks-methods";
import { startHub } from "./hub.mjs";

let hub;
let hooks;
const api = (path, init = {}) =>
  fetch(hub.origin + path, {
    ...init,
    headers: { authorization: `Bearer ${hub.token}`, "content-type": "application/json", ...(init.headers ?? {}) },
  });

/** Creates a push integration with `scheme` and a stored secret; returns its webhook URL. */
async function integration(name, scheme, secret) {
  const res = await api("/admin/api/integrations", {
    method: "POST",
    body: JSON.stringify({
      widget: "interop",
      name,
      integration_type: "push",
      credential_schema: {
        webhook_secret: { type: "string", required: true, sensitive: true },
        ...(scheme === "meta" ? { verify_token: { type: "string", required: true, sensitive: true } } : {}),
      },
      push_config: { verifier: { scheme } },
    }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { id } = await res.json();
  const put = await api(`/admin/api/integrations/${id}/credentials`, {
    method: "PUT",
    body: JSON.stringify({
      credentials: { webhook_secret: secret, ...(scheme === "meta" ? { verify_token: "interop-token" } : {}) },
    }),
  });
  assert.equal(put.status, 200);
  return { id, url: `${hooks}/webhooks/integrations/${id}` };
}

async function latest(id) {
  const res = await api(`/admin/api/deliveries?integration_id=${id}&limit=1`);
  return (await res.json())[0];
}

before(async () => {
  hub = await startHub();
  const status = await (await api("/admin/api/status")).json();
  hooks = `http://${status.listeners.hooks.address}`;
});

after(async () => {
  await hub?.stop();
  await hub?.cleanup();
});

test("Standard Webhooks: signed by the reference library", async () => {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const { id, url } = await integration("standard", "standard_webhooks", secret);
  const body = JSON.stringify({ event: "order.paid", amount: 1200 });
  const msgId = "msg_2Kp1Zx";
  const now = new Date();
  const signature = new StandardWebhook(secret).sign(msgId, now, body);
  const res = await fetch(url, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": msgId,
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "webhook-signature": signature,
    },
  });
  assert.equal(res.status, 200, await res.text());
  assert.equal((await latest(id)).verification, "valid");
});

test("Svix: signed by the svix library, with svix-* headers", async () => {
  const secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
  const { id, url } = await integration("svix", "standard_webhooks", secret);
  const body = JSON.stringify({ type: "user.created", data: { id: 7 } });
  const msgId = "msg_svix_1";
  const now = new Date();
  const signature = new SvixWebhook(secret).sign(msgId, now, body);
  const res = await fetch(url, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "svix-id": msgId,
      "svix-timestamp": String(Math.floor(now.getTime() / 1000)),
      "svix-signature": signature,
    },
  });
  assert.equal(res.status, 200, await res.text());
  assert.equal((await latest(id)).message_id, msgId);
});

test("Stripe: the header from stripe-node's generateTestHeaderString", async () => {
  const secret = "whsec_test_5y6Jkq0aBcDeFgHiJkLmNoPq";
  const { id, url } = await integration("stripe", "stripe", secret);
  const body = JSON.stringify({ id: "evt_1NqXy2", object: "event", type: "invoice.paid", data: { object: { total: 990 } } });
  const stripe = new Stripe("sk_test_unused");
  const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret });
  const res = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", "stripe-signature": header } });
  assert.equal(res.status, 200, await res.text());
  const d = await latest(id);
  assert.equal(d.verification, "valid");
  assert.equal(d.message_id, "evt_1NqXy2", "Stripe's event id dedupes");
  // And stripe-node itself accepts what it generated, on the same bytes (a sanity check of the test).
  assert.ok(stripe.webhooks.constructEvent(body, header, secret));
});

test("GitHub (and Meta): signed by @octokit/webhooks-methods", async () => {
  const secret = "It's a Secret to Everybody";
  for (const scheme of ["github", "meta"]) {
    const { id, url } = await integration(`gh-${scheme}`, scheme, secret);
    const body = JSON.stringify({ action: "opened", number: 42 });
    const signature = await githubSign(secret, body);
    assert.match(signature, /^sha256=[0-9a-f]{64}$/);
    const res = await fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-hub-signature-256": signature, "x-github-delivery": `d-${scheme}` },
    });
    assert.equal(res.status, 200, await res.text());
    assert.equal((await latest(id)).verification, "valid");
  }
});

test("a delivery re-serialised after signing (the classic bug) is refused", async () => {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const { url } = await integration("reserialised", "standard_webhooks", secret);
  const body = '{"a": 1,  "b": 2}';
  const now = new Date();
  const signature = new StandardWebhook(secret).sign("msg_x", now, body);
  const res = await fetch(url, {
    method: "POST",
    body: JSON.stringify(JSON.parse(body)),
    headers: {
      "content-type": "application/json",
      "webhook-id": "msg_x",
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "webhook-signature": signature,
    },
  });
  assert.equal(res.status, 401);
});
