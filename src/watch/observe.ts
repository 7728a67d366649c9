import type { EventFields } from "../ui/events.ts";
import type { Output } from "../ui/output.ts";

/** Sees every event before it is written; returns false to keep it off the stream. */
export type EventTap = (type: string, fields: EventFields) => boolean;
/** Returns false to keep a human line off stderr. */
export type TextTap = (line: string) => boolean;

/**
 * The pipeline reports its progress (step started, finished, failed) as events on its Output, in
 * every mode: `event()` is called even when only `--json` writes it. Watch mode listens to that same
 * stream to find safe points to cancel at, rather than reaching into the pipeline with hooks of its own.
 * A Proxy, not a subclass, so the caller's Output (its streams, colours, redaction) is used as it is.
 */
export function observeOutput(output: Output, onEvent: EventTap, onText: TextTap = () => true): Output {
  return new Proxy(output, {
    get(target, key) {
      if (key === "event")
        return (type: string, fields: EventFields = {}) => {
          if (onEvent(type, fields)) target.event(type, fields);
        };
      if (key === "text")
        return (line = "") => {
          if (onText(line)) target.text(line);
        };
      if (key === "warn")
        return (message: string) => {
          if (onText(message)) target.warn(message);
        };
      const value: unknown = Reflect.get(target, key, target);
      // Methods read private fields, which only exist on the real instance, not on the proxy.
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
