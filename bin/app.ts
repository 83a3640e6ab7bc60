/** The CDK app (`cdk.json`: `npx tsx bin/app.ts`). */
import { createApp } from "../lib/app.ts";

const { app } = await createApp();
app.synth();
