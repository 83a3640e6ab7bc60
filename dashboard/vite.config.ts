/**
 * The dashboard page: Vite builds `dashboard/` into `dashboard/dist` (served by `npm start`
 * locally and from S3 behind CloudFront in AWS). JSX goes through Vite's own transform with
 * Preact's automatic runtime, so no framework plugin is needed.
 */
import { defineConfig } from "vite";

export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // One small app: a single chunk keeps the first load to three requests.
    chunkSizeWarningLimit: 200,
    reportCompressedSize: false,
  },
  logLevel: "warn",
});
