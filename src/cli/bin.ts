#!/usr/bin/env -S node --
// The `--` matters: Node 20 reads `--env-file` anywhere on its command line, even after the script
// (nodejs/node#54232), and would load or reject rhx's own `--env-file` before rhx runs.

// The shipped CLI is a minified bundle with source maps beside it. Mapping costs startup time, so it
// is switched on only with RHX_DEBUG=1, the one mode that prints a stack; it must be on before the
// rest of rhx is loaded, hence the dynamic import below.
if (process.env.RHX_DEBUG === "1") process.setSourceMapsEnabled(true);

const { main } = await import("./main.ts");

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 1;
  },
);
