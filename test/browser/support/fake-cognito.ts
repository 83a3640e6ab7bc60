/**
 * TEST DOUBLE of Cognito's hosted UI for the sign-in test: `/oauth2/authorize` sends the
 * browser straight back with a code (as if the user signed in), `/oauth2/token` trades the
 * code for tokens only with the PKCE verifier whose S256 challenge came with it.
 */
import { createHash, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../../../lib/local/http.ts";

export const FAKE_ID_TOKEN = "fake-id-token";
export const FAKE_CLIENT_ID = "dashboard-client";

/** A request handler answering the two hosted-UI endpoints; false for anything else. */
export function fakeCognito() {
  const pending = new Map<string, { challenge: string; redirectUri: string }>();
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/oauth2/authorize") {
      const p = url.searchParams;
      const redirectUri = p.get("redirect_uri") ?? "";
      if (p.get("client_id") !== FAKE_CLIENT_ID || p.get("code_challenge_method") !== "S256") {
        res.writeHead(400).end("bad authorize request");
        return true;
      }
      const code = randomUUID();
      pending.set(code, { challenge: p.get("code_challenge") ?? "", redirectUri });
      const back = new URL(redirectUri);
      back.searchParams.set("code", code);
      back.searchParams.set("state", p.get("state") ?? "");
      res.writeHead(302, { location: back.href }).end();
      return true;
    }
    if (req.method === "POST" && url.pathname === "/oauth2/token") {
      const body = await readBody(req, 10_000);
      const form = new URLSearchParams(body === "too-large" ? "" : body.toString());
      const grant = pending.get(form.get("code") ?? "");
      const verifier = form.get("code_verifier") ?? "";
      const ok =
        grant &&
        form.get("grant_type") === "authorization_code" &&
        form.get("client_id") === FAKE_CLIENT_ID &&
        form.get("redirect_uri") === grant.redirectUri &&
        createHash("sha256").update(verifier).digest("base64url") === grant.challenge;
      res.writeHead(ok ? 200 : 400, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          ok
            ? {
                id_token: FAKE_ID_TOKEN,
                access_token: "fake-access-token",
                expires_in: 3600,
                token_type: "Bearer",
              }
            : { error: "invalid_grant" },
        ),
      );
      if (ok) pending.delete(form.get("code") ?? "");
      return true;
    }
    return false;
  };
}
