/** The live feed's token check: only this pool's unexpired access tokens for this client pass. */
import { generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CognitoJwtVerifier,
  InvalidTokenError,
} from "../../../functions/adapters/cognito/jwt-verifier.ts";
import { authorize } from "../../../functions/dashboard/authorize.ts";

const settings = { region: "eu-west-1", userPoolId: "eu-west-1_abc", clientId: "client123" };
const issuer = `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc`;
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "RS256", use: "sig" };
const NOW = Date.UTC(2026, 10, 29, 12);

function token(claims: Record<string, unknown>, key = privateKey, kid = "k1") {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const head = `${b64({ alg: "RS256", kid })}.${b64({
    iss: issuer,
    token_use: "access",
    client_id: "client123",
    sub: "user-1",
    username: "aisha",
    exp: NOW / 1000 + 600,
    ...claims,
  })}`;
  return `${head}.${sign("RSA-SHA256", Buffer.from(head), key).toString("base64url")}`;
}

const verifier = () => new CognitoJwtVerifier(settings, async () => ({ keys: [jwk] }));

describe("Cognito access token verifier", () => {
  it("accepts a valid access token", async () => {
    await expect(verifier().verify(token({}), NOW)).resolves.toEqual({
      sub: "user-1",
      username: "aisha",
    });
  });

  it.each([
    ["another key's signature", token({}, other.privateKey)],
    ["another pool", token({ iss: "https://cognito-idp.eu-west-1.amazonaws.com/other" })],
    ["an id token", token({ token_use: "id" })],
    ["another client", token({ client_id: "nope" })],
    ["an expired token", token({ exp: NOW / 1000 - 1 })],
    ["an unknown key id", token({}, privateKey, "k2")],
    ["garbage", "not.a.token"],
  ])("refuses %s", async (_, t) => {
    await expect(verifier().verify(t, NOW)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it("answers Unauthorized (401) to $connect without a valid token, Allow with one", async () => {
    const v = { verify: (t: string) => verifier().verify(t, NOW) };
    const methodArn = "arn:aws:execute-api:eu-west-1:1:api/live/$connect";
    await expect(authorize(v, { methodArn, queryStringParameters: {} })).rejects.toThrow(
      "Unauthorized",
    );
    const allowed = await authorize(v, { methodArn, queryStringParameters: { token: token({}) } });
    expect(allowed.policyDocument.Statement[0]).toMatchObject({
      Effect: "Allow",
      Resource: methodArn,
    });
  });
});
