/** Exit codes are an API (README, "Commands" and "Exit codes"): scripts and CI branch on them, so they never change meaning. */
export const ExitCode = {
  Ok: 0,
  StepFailed: 1,
  PlanHasChanges: 2,
  ConfigInvalid: 3,
  PreflightFailed: 4,
  Locked: 5,
  Usage: 64,
  Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
