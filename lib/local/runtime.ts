/**
 * The local runtime (design decision 10): the same Lambda handlers, wired by the same
 * topology, on one machine. DynamoDB Local holds the table; an HTTP server turns requests
 * into API Gateway HTTP API v2 events; a poller plays the stream event source mapping; a
 * tiny EventBridge endpoint takes PutEvents from the handlers' own SDK client and routes
 * each event by the topology's rules to local targets (Slack function, email, console);
 * a timer plays the rescore schedule.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  EventBridgeEvent,
} from "aws-lambda";
import { createLocalEmailSender, type LocalEmailSender } from "../../functions/alerts/email.ts";
import { type HealthEvent, parseHealthEvent } from "../../functions/events/health-events.ts";
import {
  PROVIDER_NAMES,
  type Provider,
  perProvider,
} from "../../functions/webhook/providers/registry.ts";
import { SECRET_ENV_VARS } from "../../functions/webhook/secrets.ts";
import {
  EVENT_RULES,
  MAX_BODY_BYTES,
  RESCORE_SCHEDULE,
  ROUTES,
  SCORE_STREAM,
} from "../topology.ts";
import { startDynamoDbLocal } from "./dynamodb-local.ts";
import { type EventPattern, matchesPattern } from "./event-pattern.ts";
import { type StreamPoller, startStreamPoller } from "./stream-poller.ts";
import { createTables } from "./tables.ts";

/** Dev secrets used when the environment sets none; printed so nobody mistakes them for real. */
export const DEV_SECRETS: Record<Provider, string> = perProvider((p) => p.devSecret);

/** The environment variable of each provider's webhook secret (the handlers read these). */
export { SECRET_ENV_VARS as SECRET_ENV } from "../../functions/webhook/secrets.ts";

export interface LocalStackOptions {
  readonly port?: number;
  readonly host?: string;
  readonly dataDir?: string;
  readonly rescoreIntervalMinutes?: number;
  /** Where runtime lines go (URLs, alerts, DLQ); default console.log. */
  readonly log?: (line: string) => void;
  /** Where emails are printed when SMTP_URL is unset; default stdout. */
  readonly printEmail?: (text: string) => void;
}

/** What reached the local bus, and what went to the dead-letter queues. */
export interface LocalStack {
  readonly baseUrl: string;
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly busEvents: HealthEvent[];
  readonly streamDeadLetters: DynamoDBRecord[];
  readonly slackDeadLetters: HealthEvent[];
  /** Secrets in use by provider, and whether each is a dev default. */
  readonly secrets: Record<Provider, { value: string; devDefault: boolean }>;
  /** Resolves when every stream record so far has been scored and its events routed. */
  settle(): Promise<void>;
  /** Runs the rescore function now, as the schedule would. */
  rescoreNow(): Promise<unknown>;
  stop(): Promise<void>;
}

type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;
type StreamFunction = (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>;
type EventFunction = (
  event: EventBridgeEvent<string, unknown>,
  context: Context,
) => Promise<unknown>;

/** A Lambda context good enough for Powertools and our handlers. */
function lambdaContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** Compiles `/customers/{accountId}` into a matcher that returns path parameters. */
function routeMatcher(path: string) {
  const names: string[] = [];
  const source = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  const regex = new RegExp(`^${source}$`);
  return (actual: string) => {
    const m = regex.exec(actual);
    if (!m) return undefined;
    return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1] as string)]));
  };
}

/** Reads a request body, refusing more than `limit` bytes early. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > limit ? "too-large" : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** An HTTP API v2 event for a request, as API Gateway would send it. */
export function toApiGatewayEvent(
  req: IncomingMessage,
  body: Buffer,
  routeKey: string,
  pathParameters: Record<string, string>,
): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined)
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  const query = Object.fromEntries(url.searchParams.entries());
  const now = Date.now();
  return {
    version: "2.0",
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: "local",
      http: {
        method: req.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey,
      stage: "$default",
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    // Like API Gateway for non-text bodies: the exact bytes, base64-encoded.
    ...(body.length > 0
      ? { body: body.toString("base64"), isBase64Encoded: true }
      : { isBase64Encoded: false }),
  };
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2) {
  res.writeHead(result.statusCode ?? 200, {
    "content-type": "application/json",
    ...(result.headers as Record<string, string> | undefined),
  });
  res.end(result.body ?? "");
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

/** Starts the whole system locally. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? "127.0.0.1";
  const rescoreMinutes = options.rescoreIntervalMinutes ?? RESCORE_SCHEDULE.defaultIntervalMinutes;
  const tableName = "customer-health-local";

  const dynamo = await startDynamoDbLocal({ dataDir: options.dataDir });
  const credentials = { accessKeyId: "local", secretAccessKey: "local" };
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: "local", credentials });
  const { streamArn } = await createTables(client, tableName);

  const secrets = {} as LocalStack["secrets"];
  for (const source of PROVIDER_NAMES) {
    const fromEnv = process.env[SECRET_ENV_VARS[source]];
    secrets[source] = { value: fromEnv || DEV_SECRETS[source], devDefault: !fromEnv };
    process.env[SECRET_ENV_VARS[source]] = secrets[source].value;
  }

  // The local EventBridge: PutEvents from the handlers' SDK client, routed by EVENT_RULES.
  const busEvents: HealthEvent[] = [];
  const slackDeadLetters: HealthEvent[] = [];
  const email: LocalEmailSender = createLocalEmailSender(
    options.printEmail ? { print: options.printEmail } : {},
  );
  let slackFunction: EventFunction | undefined;
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>) => {
    inFlight.add(p);
    p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  };

  const deliver = async (
    target: string,
    event: EventBridgeEvent<string, unknown>,
    health: HealthEvent,
  ) => {
    if (target === "emailTopic") {
      await email.send(health);
      return;
    }
    // The Slack rule's retry policy: a few attempts, then the target's dead-letter queue.
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await (slackFunction as EventFunction)(event, lambdaContext("slack", 15_000));
        return;
      } catch (error) {
        if (attempt === 3) {
          slackDeadLetters.push(health);
          log(
            `slack: alert ${health.detail.eventId} sent to the dead-letter queue: ${(error as Error).message}`,
          );
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  };

  const bus = createServer(async (req, res) => {
    const raw = await readBody(req, 256 * 1024);
    const target = req.headers["x-amz-target"];
    if (raw === "too-large" || target !== "AWSEvents.PutEvents") {
      res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
      res.end(
        JSON.stringify({
          __type: "ValidationException",
          message: "local bus supports PutEvents only",
        }),
      );
      return;
    }
    const input = JSON.parse(raw.toString("utf8")) as {
      Entries: { Source: string; DetailType: string; Detail: string }[];
    };
    const entries = input.Entries.map((entry) => {
      const id = randomUUID();
      const event: EventBridgeEvent<string, unknown> = {
        version: "0",
        id,
        "detail-type": entry.DetailType,
        source: entry.Source,
        account: "000000000000",
        time: new Date().toISOString(),
        region: "local",
        resources: [],
        detail: JSON.parse(entry.Detail),
      };
      const health = parseHealthEvent(entry.DetailType, event.detail);
      busEvents.push(health);
      const d = health.detail;
      log(
        health.detailType === "HealthTierChanged"
          ? `event: ${d.accountId} ${health.detail.previousTier} → ${health.detail.tier} (${health.detail.score ?? "–"}) [${d.alert}]`
          : `event: ${d.accountId} score dropped ${health.detail.fromScore} → ${health.detail.toScore} [${d.alert}]`,
      );
      for (const rule of EVENT_RULES) {
        if (matchesPattern(rule.pattern as unknown as EventPattern, event)) {
          track(deliver(rule.target, event, health));
        }
      }
      return { EventId: id };
    });
    res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
    res.end(JSON.stringify({ FailedEntryCount: 0, Entries: entries }));
  });
  const busPort = await listen(bus, 0, "127.0.0.1");

  // The handlers read their configuration at load, exactly as in Lambda.
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    EVENT_BUS_NAME: "customer-health-local",
    EVENTBRIDGE_ENDPOINT: `http://127.0.0.1:${busPort}`,
    RESCORE_INTERVAL_MINUTES: String(rescoreMinutes),
    AWS_REGION: process.env.AWS_REGION ?? "local",
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? "local",
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? "local",
    // CloudWatch metrics (EMF lines) mean nothing on a laptop; logs stay.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
  });
  const webhook = (await import("../../functions/webhook/handler.ts"))
    .handler as unknown as HttpHandler;
  const api = (await import("../../functions/api/handler.ts")).handler as unknown as HttpHandler;
  const score = (await import("../../functions/score/handler.ts"))
    .handler as unknown as StreamFunction;
  const rescore = (await import("../../functions/rescore/handler.ts")).handler as unknown as (
    event: unknown,
    context: Context,
  ) => Promise<unknown>;
  slackFunction = (await import("../../functions/slack/handler.ts"))
    .handler as unknown as EventFunction;
  const httpFunctions = { webhook, api } as Record<string, HttpHandler>;

  const routes = ROUTES.map((route) => ({ ...route, match: routeMatcher(route.path) }));
  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      const route = routes.find((r) => r.method === req.method && r.match(path));
      if (!route) {
        send(res, { statusCode: 404, body: JSON.stringify({ error: "no such route" }) });
        return;
      }
      // API Gateway refuses payloads above 10 MB itself; the handler enforces our 1 MiB.
      const body = await readBody(req, Math.max(MAX_BODY_BYTES * 10, 10 * 1024 * 1024));
      if (body === "too-large") {
        send(res, { statusCode: 413, body: JSON.stringify({ error: "request too large" }) });
        return;
      }
      const fn = httpFunctions[route.function] as HttpHandler;
      const event = toApiGatewayEvent(
        req,
        body,
        `${route.method} ${route.path}`,
        route.match(path) ?? {},
      );
      send(res, await fn(event, lambdaContext(route.function, 10_000)));
    } catch (error) {
      log(`http: ${(error as Error).message}`);
      send(res, { statusCode: 500, body: JSON.stringify({ error: "internal error" }) });
    }
  });
  const port = await listen(server, options.port ?? Number(process.env.PORT ?? 3000), host);

  const streamDeadLetters: DynamoDBRecord[] = [];
  const streamsClient = new DynamoDBStreamsClient({
    endpoint: dynamo.endpoint,
    region: "local",
    credentials,
  });
  const poller: StreamPoller = startStreamPoller({
    ...SCORE_STREAM,
    streamsClient,
    streamArn,
    startingPosition: "TRIM_HORIZON",
    pollIntervalMs: 100,
    handler: async (event) => (await score(event, lambdaContext("score", 60_000))) as never,
    onFailure: (records, error) => {
      streamDeadLetters.push(...records);
      log(
        `score: ${records.length} stream record(s) sent to the dead-letter queue: ${(error as Error)?.message ?? error}`,
      );
    },
    onError: (error) => log(`stream poller: ${(error as Error).message}`),
  });

  const rescoreNow = () => track(rescore({}, lambdaContext("rescore", 900_000)));
  const timer = setInterval(() => {
    rescoreNow().catch((error: Error) => log(`rescore: ${error.message}`));
  }, rescoreMinutes * 60_000);
  timer.unref();

  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await poller.drain(30_000);
      if (inFlight.size === 0) break;
      await Promise.allSettled([...inFlight]);
    }
  };

  let stopped = false;
  return {
    baseUrl: `http://${host}:${port}`,
    dynamoEndpoint: dynamo.endpoint,
    tableName,
    busEvents,
    streamDeadLetters,
    slackDeadLetters,
    secrets,
    settle,
    rescoreNow,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await poller.stop();
      await Promise.allSettled([...inFlight]);
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => bus.close(() => r()));
      server.closeAllConnections?.();
      email.close();
      await dynamo.stop();
    },
  };
}
