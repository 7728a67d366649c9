/** Types for bench/large-files.mjs (plain ESM, shared by the bench and the tests). */
export declare const LARGE_SHAPES: Record<
  | "unknown-keys"
  | "nested-unknown-keys"
  | "many-env"
  | "deep-nesting"
  | "long-flow-sequence"
  | "many-anchors"
  | "huge-string"
  | "many-references"
  | "many-setup-steps"
  | "many-clusters"
  | "duplicate-keys",
  (bytes: number) => string
>;
export declare const MIB: number;
