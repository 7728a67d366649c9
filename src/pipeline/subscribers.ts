import type { LoadedCluster } from "../config/cluster.ts";
import type { Output } from "../ui/output.ts";
import { fanOut, type Observer } from "./observer.ts";
import { HumanRenderer } from "./render-human.ts";

export interface Subscribers {
  observer: Observer;
  human: HumanRenderer;
}

/**
 * The `--json` writer and the human renderer of one run, any other observer first: an observer
 * that throws stops the event before a person is told, say, that a cluster is ready.
 */
export function subscribers(
  output: Output,
  clusters: readonly LoadedCluster[],
  liveRenderer: boolean,
  ...more: Observer[]
): Subscribers {
  const human = new HumanRenderer(output, { lines: !liveRenderer, clusters });
  return { human, observer: fanOut(...more, (event) => output.emit(event), human.observe) };
}
