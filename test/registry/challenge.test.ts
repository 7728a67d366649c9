import { describe, expect, it } from "vitest";
import { parseChallenges, pickChallenge } from "../../src/registry/challenge.ts";

describe("parseChallenges", () => {
  it("reads a Basic challenge", () => {
    expect(parseChallenges('Basic realm="rhx-test"')).toEqual([
      { scheme: "basic", params: { realm: "rhx-test" } },
    ]);
  });

  it("reads a Bearer challenge with a comma inside a quoted scope", () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull,push"',
      ),
    ).toEqual([
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.docker.io/token",
          service: "registry.docker.io",
          scope: "repository:library/ubuntu:pull,push",
        },
      },
    ]);
  });

  it("reads the error parameter of a rejected token", () => {
    const [challenge] = parseChallenges(
      'Bearer realm="https://r/t", error="insufficient_scope", scope="repository:a:pull"',
    );
    expect(challenge?.params.error).toBe("insufficient_scope");
  });

  it("splits several challenges joined into one header", () => {
    const challenges = parseChallenges('Basic realm="a b", Bearer realm="https://r/token",service=reg');
    expect(challenges.map((c) => c.scheme)).toEqual(["basic", "bearer"]);
    expect(challenges[1]?.params).toEqual({ realm: "https://r/token", service: "reg" });
    expect(pickChallenge(challenges)?.scheme).toBe("bearer");
  });

  it("unescapes quoted pairs, lowercases names and keeps token values", () => {
    expect(parseChallenges('BEARER Realm="say \\"hi\\"", Service=plain')).toEqual([
      { scheme: "bearer", params: { realm: 'say "hi"', service: "plain" } },
    ]);
  });

  it("tolerates empty, odd and unterminated input", () => {
    expect(parseChallenges(null)).toEqual([]);
    expect(parseChallenges("")).toEqual([]);
    expect(parseChallenges("Negotiate")).toEqual([{ scheme: "negotiate", params: {} }]);
    expect(parseChallenges('Basic realm="unterminated')).toEqual([
      { scheme: "basic", params: { realm: "unterminated" } },
    ]);
    expect(parseChallenges("  , ; Basic realm=x")).toEqual([{ scheme: "basic", params: { realm: "x" } }]);
    expect(pickChallenge(parseChallenges("Negotiate"))).toBeUndefined();
  });
});
