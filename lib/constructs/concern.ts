/**
 * Constructs per concern (the score stream, alert routing, the HTTP API, the rescore schedule)
 * organise the code, not what is deployed: their own id is left out of the logical ids of the
 * resources they hold, so moving a resource into one never replaces it. That matters: a new
 * HTTP API would get a new URL (pasted into every provider), and a second `$default` stage,
 * route key or stream mapping for the same function collides with the old one mid-deploy.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type CfnElement, Stack } from "aws-cdk-lib";
import { Construct } from "constructs";

const require = createRequire(import.meta.url);
// CDK's own algorithm (path components + hash), so logical ids match what Stack would give.
const { makeUniqueId } = require(
  join(dirname(require.resolve("aws-cdk-lib/package.json")), "core/lib/private/uniqueid.js"),
) as { makeUniqueId: (components: string[]) => string };

/** The logical id CDK gives a resource at `path` (construct ids below the stack). */
export const logicalIdAt = (path: readonly string[]): string => makeUniqueId([...path]);

/** A construct grouping one concern's resources, invisible in their logical ids. */
export class Concern extends Construct {}

/** A stack in which Concern constructs do not enter logical ids; a clash fails the synth. */
export class ConcernStack extends Stack {
  private readonly allocated = new Map<string, string>();

  protected override allocateLogicalId(element: CfnElement): string {
    const scopes = element.node.scopes;
    const path = scopes.slice(scopes.indexOf(this) + 1);
    const id = makeUniqueId(path.filter((s) => !(s instanceof Concern)).map((s) => s.node.id));
    const owner = this.allocated.get(id);
    if (owner !== undefined && owner !== element.node.path) {
      throw new Error(`logical id ${id} of ${element.node.path} is already used by ${owner}`);
    }
    this.allocated.set(id, element.node.path);
    return id;
  }
}
