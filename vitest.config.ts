import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The SDK's Node-version notice is harmless on Node 20; expected error logs are noise here.
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
    },
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/unit/**/*.test.ts"] },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
          globalSetup: ["test/support/dynamodb-local.global.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // The dashboard in Chromium (skipped, in one line, when none is installed).
          name: "browser",
          include: ["test/browser/**/*.test.ts", "dashboard/src/**/*.test.ts"],
          globalSetup: ["test/browser/support/browser.global.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // A page on a busy CI machine; tests that promise a time bound set their own.
          expect: { poll: { timeout: 10_000 } },
        },
      },
    ],
  },
});
