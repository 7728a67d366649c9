/**
 * The `--json` event stream: one object per line on stdout. `v` is the format's version: a minor
 * change only adds fields or types; anything else bumps it (Terraform's machine-readable UI rule).
 */
export const EVENT_FORMAT_VERSION = 1;
