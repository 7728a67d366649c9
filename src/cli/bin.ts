#!/usr/bin/env -S node --
// The `--` matters: Node 20 reads `--env-file` anywhere on its command line, even after the script
// (nodejs/node#54232), and would load or reject rhx's own `--env-file` before rhx runs.
import { main } from "./main.ts";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 1;
  },
);
