/** Once per run: build the dashboard when its sources changed, or say why the tests skip. */
import { buildDashboard } from "../../../lib/local/dashboard-site.ts";
import { chromiumPath, NO_CHROMIUM } from "./chromium.ts";

export default async function setup() {
  if (!chromiumPath()) {
    console.log(NO_CHROMIUM);
    return;
  }
  await buildDashboard();
}
