/**
 * Signs webhook bodies as each provider does and wraps them in API Gateway HTTP API v2
 * events (lower-cased headers), for integration and end-to-end tests, the demo and benches.
 * Stripe and Standard Webhooks use the official libraries' signers.
 */
import { createHmac } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import type { Provider } from "../../functions/webhook/providers/registry.ts";

export const TEST_SECRETS: Record<Provider, string> = {
  stripe: "whsec_test_stripe_secret",
  zendesk: "zendesk-test-secret",
  typeform: "typeform-test-secret",
  segment: "segment-test-secret",
  generic: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
};

export const testSecretsFor = async (provider: Provider) => [TEST_SECRETS[provider]];

const stripe = new Stripe("sk_test_unused");

/** The headers `provider` would send with `body` at time `nowMs`. */
export function signedHeaders(
  provider: Provider,
  body: string,
  nowMs = Date.now(),
  secret = TEST_SECRETS[provider],
  messageId = `msg_${Math.random().toString(36).slice(2)}`,
): Record<string, string> {
  const seconds = Math.floor(nowMs / 1000);
  switch (provider) {
    case "stripe":
      return {
        "stripe-signature": stripe.webhooks.generateTestHeaderString({
          payload: body,
          secret,
          timestamp: seconds,
        }),
      };
    case "zendesk": {
      const timestamp = new Date(seconds * 1000).toISOString();
      return {
        "x-zendesk-webhook-signature": createHmac("sha256", secret)
          .update(timestamp + body)
          .digest("base64"),
        "x-zendesk-webhook-signature-timestamp": timestamp,
      };
    }
    case "typeform":
      return {
        "typeform-signature": `sha256=${createHmac("sha256", secret).update(body).digest("base64")}`,
      };
    case "segment":
      return { "x-signature": createHmac("sha1", secret).update(body).digest("hex") };
    case "generic": {
      const signature = new Webhook(secret).sign(messageId, new Date(seconds * 1000), body);
      return {
        "webhook-id": messageId,
        "webhook-timestamp": String(seconds),
        "webhook-signature": signature,
      };
    }
  }
}

/** An HTTP API v2 event for POST /webhooks/{provider}. */
export function webhookEvent(
  provider: string,
  body: string,
  headers: Record<string, string>,
  options: { base64?: boolean } = {},
): APIGatewayProxyEventV2 {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    version: "2.0",
    routeKey: "POST /webhooks/{provider}",
    rawPath: `/webhooks/${provider}`,
    rawQueryString: "",
    headers: { "content-type": "application/json", ...lower },
    pathParameters: { provider },
    requestContext: {
      accountId: "local",
      apiId: "local",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: {
        method: "POST",
        path: `/webhooks/${provider}`,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "test",
      },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: "POST /webhooks/{provider}",
      stage: "$default",
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    body: options.base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: options.base64 ?? false,
  };
}

/** A signed webhook event for `provider`, ready for the handler. */
export function signedWebhook(
  provider: Provider,
  payload: unknown,
  nowMs = Date.now(),
  messageId?: string,
) {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  return webhookEvent(provider, body, signedHeaders(provider, body, nowMs, undefined, messageId));
}

/** A Standard Webhooks (generic) payload. */
export function genericPayload(
  type: string,
  accountId: string,
  data: Record<string, unknown>,
  at = new Date(),
) {
  return { type, timestamp: at.toISOString(), data: { account_id: accountId, ...data } };
}

/** A Stripe event envelope around `object`, created now. */
export function stripeEvent(id: string, type: string, object: Record<string, unknown>) {
  return { id, object: "event", type, created: Math.floor(Date.now() / 1000), data: { object } };
}

/** A Stripe `invoice.payment_failed` for customer `customer`. */
export function stripeInvoiceFailed(id: string, customer: string, invoiceId: string, attempt = 1) {
  return stripeEvent(id, "invoice.payment_failed", {
    id: invoiceId,
    object: "invoice",
    customer,
    attempt_count: attempt,
    amount_due: 1200,
    amount_paid: 0,
    currency: "usd",
  });
}
