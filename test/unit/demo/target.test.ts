import { describe, expect, it } from "vitest";
import { DemoUrlError, demoUrl } from "../../../bin/demo/target.ts";

describe("demoUrl", () => {
  it("uses the port npm start uses: PORT, else 3000", () => {
    expect(demoUrl([], {})).toEqual({ url: "http://127.0.0.1:3000", explicit: false });
    expect(demoUrl([], { PORT: "3001" })).toEqual({
      url: "http://127.0.0.1:3001",
      explicit: false,
    });
  });

  it("prefers --url, in either spelling, over DEMO_URL and PORT", () => {
    const env = { PORT: "3001", DEMO_URL: "http://127.0.0.1:4000" };
    expect(demoUrl(["--url", "http://localhost:5000/"], env)).toEqual({
      url: "http://localhost:5000",
      explicit: true,
    });
    expect(demoUrl(["--url=http://localhost:5001"], env).url).toBe("http://localhost:5001");
    expect(demoUrl([], env)).toEqual({ url: "http://127.0.0.1:4000", explicit: false });
  });

  it("names the setting that gives no usable URL", () => {
    expect(() => demoUrl(["--url"], {})).toThrow(DemoUrlError);
    expect(() => demoUrl(["--url", "not a url"], {})).toThrow(/--url/);
    expect(() => demoUrl([], { DEMO_URL: "ftp://x" })).toThrow(/http/);
  });
});
