/** How preview finds a running `npm start` stack: the file it writes, only while it runs. */
import { afterEach, describe, expect, it } from "vitest";
import {
  readLocalStackInfo,
  removeLocalStackInfo,
  writeLocalStackInfo,
} from "../../lib/preview/local-stack.ts";

const baseUrl = "http://127.0.0.1:39517";

afterEach(() => removeLocalStackInfo(baseUrl));

describe("local stack info", () => {
  it("reads back what a live stack wrote, by its URL's port", async () => {
    const info = {
      baseUrl,
      dynamoEndpoint: "http://127.0.0.1:45555",
      tableName: "customer-health-local",
      pid: process.pid,
    };
    await writeLocalStackInfo(info);
    expect(await readLocalStackInfo(`${baseUrl}/`)).toEqual(info);
    expect(await readLocalStackInfo("http://127.0.0.1:39518")).toBeNull();
  });

  it("ignores the file of a stack that is no longer running, and a removed one", async () => {
    await writeLocalStackInfo({
      baseUrl,
      dynamoEndpoint: "http://127.0.0.1:45555",
      tableName: "customer-health-local",
      pid: 2 ** 22 + 12345, // above Linux's pid_max: no such process
    });
    expect(await readLocalStackInfo(baseUrl)).toBeNull();
    await removeLocalStackInfo(baseUrl);
    expect(await readLocalStackInfo(baseUrl)).toBeNull();
  });
});
