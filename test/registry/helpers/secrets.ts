/**
 * Secret scanning for registry tests: every result and error a test produces is collected and checked
 * for the password in every encoding a leak could take. The redactor's mask counts as a leak too: it
 * would mean a secret reached a message and was only caught at the last moment.
 */
import { MASK } from "../../../src/secrets/redactor.ts";

export function secretForms(user: string, password: string): string[] {
  return [
    password,
    encodeURIComponent(password),
    Buffer.from(password).toString("base64"),
    Buffer.from(`${user}:${password}`).toString("base64"),
    MASK,
  ];
}

export function leaks(value: unknown, forms: readonly string[]): string[] {
  const text =
    value instanceof Error
      ? `${value.name}: ${value.message} ${String(value.stack)} ${String(value.cause)}`
      : JSON.stringify(value);
  return forms.filter((form) => text.includes(form));
}
