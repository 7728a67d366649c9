import { expect, expectTypeOf, test } from "vitest";
import type { SkyFailureCode } from "../../src/drivers/skypilot/classify-failure.ts";
import { type CodeOfFamily, codesOfFamily, ERROR_CODES } from "../../src/errors/codes.ts";
import { RhxError } from "../../src/errors/rhx-error.ts";
import { REGISTRY_CODES, type RegistryErrorCode } from "../../src/registry/errors.ts";

// tsc checks these: a family is the closed set of its codes, not any code.
expectTypeOf<SkyFailureCode>().toEqualTypeOf<
  | "RHX_SKY_NO_CAPACITY"
  | "RHX_SKY_DOCKER_LOGIN"
  | "RHX_SKY_IMAGE_NOT_FOUND"
  | "RHX_SKY_RESOURCES_MISMATCH"
  | "RHX_SKY_API_UNREACHABLE"
  | "RHX_SKY_JOB_FAILED"
  | "RHX_SKY_USAGE"
  | "RHX_SKY_FAILED"
>();
expectTypeOf<RegistryErrorCode>().toEqualTypeOf<CodeOfFamily<"registry-check">>();

test("the registry check's codes are the catalog's registry-check family", () => {
  expect(REGISTRY_CODES).toHaveLength(10);
  expect(new Set(REGISTRY_CODES)).toEqual(
    new Set([
      "RHX_IMAGE_NOT_FOUND",
      "RHX_IMAGE_PLATFORM_MISSING",
      "RHX_IMAGE_SERVER_MISMATCH",
      "RHX_REGISTRY_AUTH_REJECTED",
      "RHX_REGISTRY_AUTH_REQUIRED",
      "RHX_REGISTRY_DENIED",
      "RHX_REGISTRY_ERROR",
      "RHX_REGISTRY_TIMEOUT",
      "RHX_REGISTRY_TLS",
      "RHX_REGISTRY_UNREACHABLE",
    ]),
  );
  for (const code of REGISTRY_CODES) expect(ERROR_CODES[code].kind, code).toBe("check");
});

test("every classified sky failure is a failed step (exit 1)", () => {
  const codes = codesOfFamily("sky-failure");
  expect(codes).toHaveLength(8);
  for (const code of codes) expect(ERROR_CODES[code].exit, code).toBe(1);
});

test("a code outside the catalog is a type error, and at run time still an exit-1 error", () => {
  // @ts-expect-error RHX_NOT_A_CODE is not in the catalog
  const error = new RhxError({ code: "RHX_NOT_A_CODE", message: "m" });
  expect(error.exitCode).toBe(1);
});
