/**
 * The model this deployment scores with, validated once at load. The CDK stack inlines a
 * chosen model file as HEALTH_MODEL_JSON at bundle time (esbuild `define`); locally the
 * variable may be set by hand; otherwise the default model applies.
 */

import { defaultModel } from "./model.default.ts";
import { compileModel } from "./model.ts";

const inline = process.env.HEALTH_MODEL_JSON;

export const activeModel = compileModel(inline ? JSON.parse(inline) : defaultModel);
