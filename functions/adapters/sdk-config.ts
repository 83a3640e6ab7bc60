/**
 * Settings shared by the AWS SDK clients: timeouts and attempts (the SDK sets no timeouts by
 * default, so a hung endpoint holds a call until the function times out), and the dummy
 * region and credentials of a local endpoint.
 */
/** How long an SDK client waits, and how often it tries. */
export interface ClientTimeouts {
  /** TCP (and TLS) connect. */
  readonly connectionTimeoutMs: number;
  /** From sending the request to the whole response. */
  readonly requestTimeoutMs: number;
  /** Attempts per call, the first included (the SDK backs off between them). */
  readonly maxAttempts: number;
}

/** The SDK client settings for `timeouts`. */
export function sdkTimeouts(timeouts: ClientTimeouts) {
  return {
    maxAttempts: timeouts.maxAttempts,
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      // Without this the handler only logs a warning when requestTimeout passes.
      throwOnRequestTimeout: true,
    },
  };
}

/** Settings for a local endpoint (DynamoDB Local, the local bus): dummy region and credentials. */
export function localEndpoint(endpoint: string | undefined) {
  return endpoint
    ? {
        endpoint,
        region: process.env.AWS_REGION ?? "local",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      }
    : {};
}
