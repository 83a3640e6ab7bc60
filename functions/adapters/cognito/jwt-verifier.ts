/**
 * Verifies a Cognito user pool access token (RS256 JWT): signature by the pool's published
 * keys (JWKS, fetched once per container and again for an unknown key id), issuer, token
 * use, client id and expiry. `aws-jwt-verify` would do this; it is not installed, and these
 * checks are the ones it makes for an access token, in ~60 lines of node:crypto.
 */
import { createPublicKey, type JsonWebKey, type KeyObject, verify } from "node:crypto";

export interface CognitoTokenSettings {
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
}

export interface VerifiedToken {
  readonly sub: string;
  readonly username: string;
}

/** The token is not one of this pool's valid access tokens for this client. */
export class InvalidTokenError extends Error {
  override readonly name = "InvalidTokenError";
}

const part = (segment: string | undefined) => {
  if (!segment) throw new InvalidTokenError("malformed token");
  try {
    return JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
  } catch {
    throw new InvalidTokenError("malformed token");
  }
};

export class CognitoJwtVerifier {
  readonly #issuer: string;
  readonly #keys = new Map<string, KeyObject>();
  readonly #fetchJson: (url: string) => Promise<unknown>;

  constructor(
    private readonly settings: CognitoTokenSettings,
    fetchJson: (url: string) => Promise<unknown> = async (url) => {
      const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      return response.json();
    },
  ) {
    this.#issuer = `https://cognito-idp.${settings.region}.amazonaws.com/${settings.userPoolId}`;
    this.#fetchJson = fetchJson;
  }

  async verify(token: string, now = Date.now()): Promise<VerifiedToken> {
    const [h, p, s] = token.split(".");
    const header = part(h);
    const claims = part(p);
    if (header.alg !== "RS256" || typeof header.kid !== "string" || !s) {
      throw new InvalidTokenError("unsupported token");
    }
    const key = await this.#key(header.kid);
    const signed = verify("RSA-SHA256", Buffer.from(`${h}.${p}`), key, Buffer.from(s, "base64url"));
    if (!signed) throw new InvalidTokenError("bad signature");
    if (claims.iss !== this.#issuer) throw new InvalidTokenError("wrong issuer");
    if (claims.token_use !== "access") throw new InvalidTokenError("not an access token");
    if (claims.client_id !== this.settings.clientId) throw new InvalidTokenError("wrong client");
    if (typeof claims.exp !== "number" || claims.exp * 1000 <= now) {
      throw new InvalidTokenError("expired");
    }
    return { sub: String(claims.sub), username: String(claims.username ?? claims.sub) };
  }

  async #key(kid: string): Promise<KeyObject> {
    let key = this.#keys.get(kid);
    if (!key) {
      const jwks = (await this.#fetchJson(`${this.#issuer}/.well-known/jwks.json`)) as {
        keys?: (JsonWebKey & { kid?: string })[];
      };
      for (const jwk of jwks.keys ?? []) {
        if (jwk.kid) this.#keys.set(jwk.kid, createPublicKey({ key: jwk, format: "jwk" }));
      }
      key = this.#keys.get(kid);
    }
    if (!key) throw new InvalidTokenError("unknown key");
    return key;
  }
}
