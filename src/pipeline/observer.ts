import type { EventInput } from "../ui/event-schema.ts";

/**
 * The one way the pipeline reports: every step, plan, pre-flight result and outcome is a typed event
 * handed to an observer. The `--json` writer, the human renderer and watch mode are observers.
 */
export type Observer = (event: EventInput) => void;

/** One observer that hands each event to every one given, in order; a throw stops the run (it is a bug). */
export function fanOut(...observers: readonly Observer[]): Observer {
  return (event) => {
    for (const observer of observers) observer(event);
  };
}
