/**
 * Powertools set up once for every function: structured logs, CloudWatch metrics (EMF) and
 * X-Ray traces, and the one middy wrapper every handler is built on. Outside Lambda the
 * tracer turns itself off; `POWERTOOLS_METRICS_DISABLED=true` (tests, `npm start`) keeps
 * metrics off stdout.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy, { type MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? "customer-health";

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "CustomerHealth",
  serviceName,
});
export const tracer = new Tracer({ serviceName });

/** Adds `value` to a count metric, with dimensions when the count is broken down (e.g. by provider). */
export function countMetric(
  name: string,
  value = 1,
  dimensions: Readonly<Record<string, string>> = {},
): void {
  if (Object.keys(dimensions).length === 0) {
    metrics.addMetric(name, MetricUnit.Count, value);
    return;
  }
  // A metric with its own dimensions is emitted on its own, so dimensions never mix.
  const single = metrics.singleMetric();
  for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
  single.addMetric(name, MetricUnit.Count, value);
}

/**
 * Flushes the metrics an invocation added. Powertools' own `logMetrics` warns on every
 * invocation that added none (most of them), which buries real warnings in the logs.
 */
const publishAddedMetrics: MiddlewareObj = {
  after: () => flushMetrics(),
  onError: () => flushMetrics(),
};

function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/** Wraps a handler with the Lambda context in every log line, metrics flushed and a trace. */
export function lambdaHandler<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
) {
  return middy<TEvent, TResult>()
    .use(injectLambdaContext(logger))
    .use(captureLambdaHandler(tracer))
    .use(publishAddedMetrics)
    .handler(handler);
}
