/**
 * Sign-in with Cognito's hosted UI: authorization code with PKCE (RFC 7636), no client
 * secret, no SDK. The tokens live in sessionStorage (gone with the tab); an expired token
 * sends the user through the hosted UI again, which returns at once while its own session
 * lasts. Locally `auth` is null and nothing here runs.
 */
import type { DashboardConfig } from "./types.ts";

type AuthConfig = NonNullable<DashboardConfig["auth"]>;

const TOKENS = "customer-health.tokens";
const PENDING = "customer-health.pkce";

interface Tokens {
  readonly idToken: string;
  readonly accessToken: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

const base64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/** A PKCE verifier (43 chars of 32 random bytes) and its S256 challenge. */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return { verifier, challenge: base64Url(new Uint8Array(digest)) };
}

const redirectUri = () => `${location.origin}/`;

/** Sends the browser to the hosted UI; it comes back to `/` with `?code=…&state=…`. */
export async function signIn(auth: AuthConfig): Promise<never> {
  const { verifier, challenge } = await pkcePair();
  const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
  const returnTo = location.pathname + location.search;
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, returnTo }));
  const url = new URL("/oauth2/authorize", auth.domain);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: auth.clientId,
    redirect_uri: redirectUri(),
    scope: "openid email profile",
    state,
    code_challenge_method: "S256",
    code_challenge: challenge,
  }).toString();
  location.assign(url.href);
  return new Promise<never>(() => {});
}

/** Ends the session here and at the hosted UI. */
export function signOut(auth: AuthConfig) {
  sessionStorage.removeItem(TOKENS);
  const url = new URL("/logout", auth.domain);
  url.search = new URLSearchParams({
    client_id: auth.clientId,
    logout_uri: redirectUri(),
  }).toString();
  location.assign(url.href);
}

/** Completes a sign-in when the URL carries its code; true when it did. */
async function completeSignIn(auth: AuthConfig): Promise<boolean> {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? "null") as {
    verifier: string;
    state: string;
    returnTo: string;
  } | null;
  if (!code || !pending || params.get("state") !== pending.state) return false;
  sessionStorage.removeItem(PENDING);
  const response = await fetch(new URL("/oauth2/token", auth.domain), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: auth.clientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok)
    throw new Error(`sign-in failed: the token endpoint answered ${response.status}`);
  const body = (await response.json()) as {
    id_token: string;
    access_token: string;
    expires_in: number;
  };
  const tokens: Tokens = {
    idToken: body.id_token,
    accessToken: body.access_token,
    expiresAt: Date.now() + body.expires_in * 1000,
  };
  sessionStorage.setItem(TOKENS, JSON.stringify(tokens));
  history.replaceState(null, "", pending.returnTo || "/");
  return true;
}

/**
 * The token to send as `Authorization: Bearer` (the ID token: its audience is the app
 * client the API's JWT authorizer trusts), signing in first when there is none or it
 * expires within a minute. Null when the dashboard needs no sign-in.
 */
export async function currentToken(auth: AuthConfig | null): Promise<string | null> {
  if (!auth) return null;
  await completeSignIn(auth);
  const tokens = JSON.parse(sessionStorage.getItem(TOKENS) ?? "null") as Tokens | null;
  if (tokens && tokens.expiresAt - Date.now() > 60_000) return tokens.idToken;
  return signIn(auth);
}
