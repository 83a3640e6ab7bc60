/** Builds the CDK app the way `cdk synth` does, with cdk.json's context, into a temp dir. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { createApp, type HealthApp, PROJECT_ROOT } from "../../../lib/app.ts";

/** The deploy-time context from cdk.json, with subscribers so subscriptions are rendered. */
export function testContext(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, "cdk.json"), "utf8")) as {
    context: Record<string, unknown>;
  };
  return {
    ...cdkJson.context,
    stage: "test",
    alertEmails: ["cs@example.com"],
    opsEmails: ["ops@example.com"],
    ...overrides,
  };
}

export interface SynthesizedApp extends HealthApp {
  readonly statefulTemplate: Template;
  readonly statelessTemplate: Template;
  readonly outdir: string;
  /** Removes the temp cloud assembly. */
  readonly cleanup: () => void;
}

/** Creates and synthesizes the app (bundling all functions, running cdk-nag). Slow: once per file. */
export async function synthesizeApp(
  context: Record<string, unknown> = testContext(),
): Promise<SynthesizedApp> {
  const outdir = mkdtempSync(join(tmpdir(), "customer-health-cdk-"));
  const built = await createApp({ context, outdir });
  const statefulTemplate = Template.fromStack(built.stateful);
  const statelessTemplate = Template.fromStack(built.stateless);
  return {
    ...built,
    statefulTemplate,
    statelessTemplate,
    outdir,
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

export interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every `Validations.of(x).acknowledge(...)` in the tree, with the construct it is on. */
export function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries((entry.data ?? {}) as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ""),
          reason,
        })),
      ),
  );
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** The template's resources of `type`, by logical id. */
export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/**
 * What a stateless template value that reads a stateful SSM parameter (`{Ref: <the template
 * parameter of type AWS::SSM::Parameter::Value<String>>}`) stands for: the value the stateful
 * stack writes into that parameter (e.g. `{ "Fn::GetAtt": ["HealthTable…", "Arn"] }`).
 */
export function statefulValue(
  statefulTemplate: Template,
  statelessTemplate: Template,
  value: unknown,
): unknown {
  const ref = (value as { Ref?: unknown })?.Ref;
  if (typeof ref !== "string") return undefined;
  const parameter = statelessTemplate.toJSON().Parameters?.[ref] as
    | { Type: string; Default: string }
    | undefined;
  if (parameter?.Type !== "AWS::SSM::Parameter::Value<String>") return undefined;
  const written = Object.values(resourcesOf(statefulTemplate, "AWS::SSM::Parameter")).find(
    (p) => p.Properties?.Name === parameter.Default,
  );
  return written?.Properties?.Value;
}

/** The logical id of the only resource of `type` in `template`. */
export function onlyLogicalId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0] as string;
}
