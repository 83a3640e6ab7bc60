/**
 * The local runtime (design decision 10): the same Lambda handlers, wired by the same
 * topology, on one machine. DynamoDB Local holds the table; an HTTP server turns requests
 * into API Gateway HTTP API v2 events (`http.ts`); a poller plays the stream event source
 * mapping (`stream-poller.ts`); a tiny EventBridge endpoint takes PutEvents from the
 * handlers' own SDK client and routes each event by the topology's rules to local targets
 * (Slack function, email), with EventBridge's retry policy (`event-bus.ts`); a timer plays
 * the rescore schedule. Timeouts, stream settings and delivery retries all come from
 * lib/topology.ts.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { Context, DynamoDBRecord, DynamoDBStreamEvent, EventBridgeEvent } from "aws-lambda";
import { DASHBOARD_URL_ENV, parseFlag, SLACK_DIGEST_ENV } from "../../functions/alerts/settings.ts";
import type { HealthEvent } from "../../functions/events/health-events.ts";
import {
  PROVIDER_NAMES,
  type Provider,
  perProvider,
} from "../../functions/webhook/providers/registry.ts";
import { SECRET_ENV_VARS } from "../../functions/webhook/secrets.ts";
import {
  DASHBOARD_STREAM,
  DIGEST_SCHEDULE,
  LIVE_PATH,
  MAX_BODY_BYTES,
  RESCORE_SCHEDULE,
  ROUTES,
  SCORE_STREAM,
} from "../topology.ts";
import { dashboardSite } from "./dashboard-site.ts";
import { startDynamoDbLocal } from "./dynamodb-local.ts";
import { createLocalEmailSender, isRetryableEmailError, type LocalEmailSender } from "./email.ts";
import { type LocalEventBus, startLocalEventBus } from "./event-bus.ts";
import { createHttpApi, type HttpFunction, listen } from "./http.ts";
import { invokeFunction } from "./lambda.ts";
import { type LiveRouteHandler, startLocalLiveGateway } from "./live-gateway.ts";
import { assertPortFree, PortInUseError, portFromEnv } from "./port.ts";
import { type StreamPoller, startStreamPoller } from "./stream-poller.ts";
import { createTables } from "./tables.ts";
import { LOCAL_TIME_SCALE } from "./target-delivery.ts";

/** Dev secrets used when the environment sets none; printed so nobody mistakes them for real. */
export const DEV_SECRETS: Record<Provider, string> = perProvider((p) => p.devSecret);

/** The environment variable of each provider's webhook secret (the handlers read these). */
export { SECRET_ENV_VARS as SECRET_ENV } from "../../functions/webhook/secrets.ts";

export interface LocalStackOptions {
  /** @default PORT, else 3000; 0 picks a free port */
  readonly port?: number;
  readonly host?: string;
  readonly dataDir?: string;
  readonly rescoreIntervalMinutes?: number;
  /**
   * How much faster than AWS the alert retry schedule (ALERT_DELIVERY) runs.
   * @default LOCAL_TIME_SCALE (6 h of retries in 60 s)
   */
  readonly alertRetryTimeScale?: number;
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
  readonly emailDeadLetters: HealthEvent[];
  /** Secrets in use by provider, and whether each is a dev default. */
  readonly secrets: Record<Provider, { value: string; devDefault: boolean }>;
  /** Resolves when every stream record so far has been scored and its events routed. */
  settle(): Promise<void>;
  /** Runs the rescore function now, as the schedule would. */
  rescoreNow(): Promise<unknown>;
  /**
   * Runs the daily digest now, as its schedule would (the previous UTC day, or `day`);
   * it posts only with SLACK_DIGEST=true. `npm start` runs it daily at the digest hour.
   */
  digestNow(day?: string): Promise<unknown>;
  stop(): Promise<void>;
}

type Handler<E, R = unknown> = (event: E, context: Context) => Promise<R>;

/** Starts the whole system locally; a taken port fails at once, before DynamoDB Local starts. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? "127.0.0.1";
  const wantedPort = options.port ?? portFromEnv(process.env.PORT, 3000);
  const rescoreMinutes = options.rescoreIntervalMinutes ?? RESCORE_SCHEDULE.defaultIntervalMinutes;
  const tableName = "customer-health-local";
  await assertPortFree(wantedPort, host);

  // Alerts link to this stack's own dashboard unless DASHBOARD_URL names another.
  const configuredDashboardUrl = process.env[DASHBOARD_URL_ENV];
  let dashboardUrl = configuredDashboardUrl;
  const email: LocalEmailSender = createLocalEmailSender({
    ...(options.printEmail ? { print: options.printEmail } : {}),
    dashboardUrl: () => dashboardUrl,
  });
  const dynamo = await startDynamoDbLocal({ dataDir: options.dataDir });
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => dynamo.stop(), () => email.close()];
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    return await wire();
  } catch (error) {
    await cleanUp();
    throw error;
  }

  async function wire(): Promise<LocalStack> {
    const credentials = { accessKeyId: "local", secretAccessKey: "local" };
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: "local", credentials });
    const { streamArn } = await createTables(client, tableName);

    const secrets = {} as LocalStack["secrets"];
    for (const source of PROVIDER_NAMES) {
      const fromEnv = process.env[SECRET_ENV_VARS[source]];
      secrets[source] = { value: fromEnv || DEV_SECRETS[source], devDefault: !fromEnv };
      process.env[SECRET_ENV_VARS[source]] = secrets[source].value;
    }

    let slackFunction: Handler<EventBridgeEvent<string, unknown>> | undefined;
    const bus: LocalEventBus = await startLocalEventBus({
      log,
      retry: { timeScale: options.alertRetryTimeScale ?? LOCAL_TIME_SCALE },
      targets: {
        emailTopic: {
          send: async (_event, health) => {
            await email.send(health);
          },
          retryable: isRetryableEmailError,
        },
        slack: {
          send: async (event) => {
            await invokeFunction(
              "slack",
              slackFunction as NonNullable<typeof slackFunction>,
              event,
            );
          },
          // EventBridge retries any failed invocation; the Slack function's dedupe ledger
          // keeps a retry from posting twice.
          retryable: () => true,
        },
      },
    });
    cleanups.push(() => bus.close());
    // The live feed's WebSocket API (its management endpoint must be known before the
    // handlers load).
    const liveGateway = await startLocalLiveGateway({ host, log });
    cleanups.push(() => liveGateway.close());

    // The handlers read their configuration at load, exactly as in Lambda.
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      EVENT_BUS_NAME: "customer-health-local",
      EVENTBRIDGE_ENDPOINT: bus.endpoint,
      LIVE_MANAGEMENT_ENDPOINT: liveGateway.managementEndpoint,
      RESCORE_INTERVAL_MINUTES: String(rescoreMinutes),
      AWS_REGION: process.env.AWS_REGION ?? "local",
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? "local",
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? "local",
      // CloudWatch metrics (EMF lines) mean nothing on a laptop; logs stay.
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
    });
    const webhook = (await import("../../functions/webhook/handler.ts"))
      .handler as unknown as Handler<Parameters<HttpFunction>[0]>;
    const api = (await import("../../functions/api/handler.ts")).handler as unknown as Handler<
      Parameters<HttpFunction>[0]
    >;
    const score = (await import("../../functions/scoring/stream-handler.ts"))
      .handler as unknown as Handler<DynamoDBStreamEvent>;
    const rescore = (await import("../../functions/scoring/rescore-handler.ts"))
      .handler as unknown as Handler<unknown>;
    const dashboard = (await import("../../functions/dashboard/handler.ts"))
      .handler as unknown as Handler<Parameters<HttpFunction>[0]>;
    const dashboardStream = (await import("../../functions/dashboard/stream-handler.ts"))
      .handler as unknown as Handler<DynamoDBStreamEvent>;
    const dashboardLive = (await import("../../functions/dashboard/live-handler.ts"))
      .handler as unknown as Handler<Parameters<LiveRouteHandler>[0]>;
    slackFunction = (await import("../../functions/slack/handler.ts"))
      .handler as unknown as Handler<EventBridgeEvent<string, unknown>>;
    const digest = (await import("../../functions/alerts/digest-handler.ts"))
      .handler as unknown as Handler<{ day?: string }>;

    const server = createHttpApi({
      routes: ROUTES,
      functions: {
        webhook: (event) => invokeFunction("webhook", webhook, event) as ReturnType<HttpFunction>,
        api: (event) => invokeFunction("api", api, event) as ReturnType<HttpFunction>,
        dashboard: (event) =>
          invokeFunction("dashboard", dashboard, event) as ReturnType<HttpFunction>,
      },
      // API Gateway refuses payloads above 10 MB itself; the handler enforces our 1 MiB.
      maxRequestBytes: Math.max(MAX_BODY_BYTES * 10, 10 * 1024 * 1024),
      log,
      site: dashboardSite(),
    });
    const port = await listen(server, wantedPort, host).catch((error: NodeJS.ErrnoException) => {
      // Taken between the check and now.
      throw error.code === "EADDRINUSE" ? new PortInUseError(wantedPort, host) : error;
    });
    cleanups.push(async () => {
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections?.();
    });
    dashboardUrl = configuredDashboardUrl || `http://${host}:${port}`;
    // The Slack and digest functions read it at their first invocation, after this.
    process.env[DASHBOARD_URL_ENV] = dashboardUrl;
    // Open locally, like the data routes (in AWS a Lambda authorizer checks $connect).
    liveGateway.attach(
      server,
      LIVE_PATH,
      (event) =>
        invokeFunction("dashboardLive", dashboardLive, event) as ReturnType<LiveRouteHandler>,
    );

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
      handler: async (event) => (await invokeFunction("score", score, event)) as never,
      onFailure: (records, error) => {
        streamDeadLetters.push(...records);
        log(
          `score: ${records.length} stream record(s) sent to the dead-letter queue: ${(error as Error)?.message ?? error}`,
        );
      },
      onError: (error) => log(`stream poller: ${(error as Error).message}`),
    });

    const dashboardPoller: StreamPoller = startStreamPoller({
      ...DASHBOARD_STREAM,
      streamsClient,
      streamArn,
      startingPosition: "TRIM_HORIZON",
      pollIntervalMs: 100,
      handler: async (event) =>
        (await invokeFunction("dashboardStream", dashboardStream, event)) as never,
      onFailure: (records, error) => {
        streamDeadLetters.push(...records);
        log(
          `dashboard: ${records.length} stream record(s) sent to the dead-letter queue: ${(error as Error)?.message ?? error}`,
        );
      },
      onError: (error) => log(`dashboard stream poller: ${(error as Error).message}`),
    });

    const rescores = new Set<Promise<unknown>>();
    const rescoreNow = () => {
      const run = invokeFunction("rescore", rescore, {});
      rescores.add(run);
      run.finally(() => rescores.delete(run)).catch(() => {});
      return run;
    };
    const timer = setInterval(() => {
      rescoreNow().catch((error: Error) => log(`rescore: ${error.message}`));
    }, rescoreMinutes * 60_000);
    timer.unref();
    cleanups.push(async () => {
      clearInterval(timer);
      await Promise.allSettled([...rescores]);
    });
    // The daily digest (SLACK_DIGEST=true): at DIGEST_SCHEDULE's hour, UTC, every day.
    const digestNow = (day?: string) => invokeFunction("digest", digest, day ? { day } : {});
    if (parseFlag(process.env[SLACK_DIGEST_ENV], SLACK_DIGEST_ENV)) {
      const hour = DIGEST_SCHEDULE.defaultHourUtc;
      let digestTimer: NodeJS.Timeout;
      const schedule = () => {
        const next = new Date();
        next.setUTCHours(hour, 0, 0, 0);
        if (next.getTime() <= Date.now()) next.setUTCDate(next.getUTCDate() + 1);
        digestTimer = setTimeout(() => {
          digestNow().catch((error: Error) => log(`digest: ${error.message}`));
          schedule();
        }, next.getTime() - Date.now());
        digestTimer.unref();
      };
      schedule();
      cleanups.push(() => clearTimeout(digestTimer));
      log(
        `Slack digest: on (${SLACK_DIGEST_ENV}=true), posted daily at ${hour}:00 UTC for the previous UTC day`,
      );
    }
    // Stopped first: no new scores, so no new alerts, while the rest shuts down.
    cleanups.push(() => poller.stop());
    cleanups.push(() => dashboardPoller.stop());

    const settle = async () => {
      for (let i = 0; i < 5; i++) {
        await poller.drain(30_000);
        await dashboardPoller.drain(30_000);
        if (rescores.size === 0 && bus.inFlight === 0) break;
        await Promise.allSettled([...rescores]);
        await bus.idle();
      }
    };

    let stopped = false;
    return {
      baseUrl: `http://${host}:${port}`,
      dynamoEndpoint: dynamo.endpoint,
      tableName,
      busEvents: bus.events,
      streamDeadLetters,
      slackDeadLetters: bus.deadLetters.slack,
      emailDeadLetters: bus.deadLetters.emailTopic,
      secrets,
      settle,
      rescoreNow,
      digestNow,
      async stop() {
        if (stopped) return;
        stopped = true;
        await cleanUp();
      },
    };
  }
}
