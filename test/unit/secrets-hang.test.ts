/**
 * Review 10: a Secrets Manager that accepts connections and never answers fails a secret
 * read within ~3 s (the adapter's client timeouts and bounded attempts), for the webhook
 * secrets and the Slack URL alike, instead of holding the caller until its function times
 * out. A local TCP server stands in for the hung endpoint.
 */
import { once } from "node:events";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createWebhookUrlSource } from "../../functions/adapters/slack/webhook-url.ts";
import { secretsFor } from "../../functions/webhook/secrets.ts";

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:hung-AbCdEf";
/** The answer time asked for (~3 s), with room for a busy test machine. */
const FAILS_WITHIN_MS = 3_500;

let server: Server;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.resume(); // read the request, never answer
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  vi.stubEnv("AWS_ENDPOINT_URL_SECRETS_MANAGER", `http://127.0.0.1:${port}`);
  vi.stubEnv("AWS_REGION", "eu-west-1");
  vi.stubEnv("AWS_ACCESS_KEY_ID", "test");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
});

afterAll(() => {
  for (const socket of sockets) socket.destroy();
  server.close();
  vi.unstubAllEnvs();
});

async function timed(work: () => Promise<unknown>) {
  const started = Date.now();
  const outcome = await work().then(
    () => "answered",
    (error: Error) => error,
  );
  return { outcome, ms: Date.now() - started };
}

describe("a hung Secrets Manager", () => {
  it("fails the webhook secrets read within ~3 s", async () => {
    vi.stubEnv("WEBHOOK_SECRETS_ARN", ARN);

    const { outcome, ms } = await timed(() => secretsFor("stripe"));

    expect(outcome).toBeInstanceOf(Error);
    expect(ms).toBeLessThan(FAILS_WITHIN_MS);
  }, 15_000);

  it("fails the Slack URL read within ~3 s", async () => {
    const webhookUrl = createWebhookUrlSource({ env: { SLACK_WEBHOOK_SECRET_ARN: ARN } });

    const { outcome, ms } = await timed(() => webhookUrl());

    expect(outcome).toBeInstanceOf(Error);
    expect(ms).toBeLessThan(FAILS_WITHIN_MS);
  }, 15_000);
});
