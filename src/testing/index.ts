/**
 * upcall/testing: race-window testing on the simulated machine. One decision source
 * per run (every varying choice), pluggable strategies (random, PCT, exhaustive, at),
 * replay strings, shrinking through fast-check, step-level invariants and coverage.
 * This file names every export of the entry point.
 */
import '../dual-load'; // first: a second build of the other format (import beside require) throws here
export type { Scenario, RunOptions, RunResult } from './scenario';
export type { ExploreEnd, ExploreOptions, ExploreResult, Failure } from './explore';
export type { ShrinkResult } from './shrink';
export type { Plan, StepPoint, FiredEvent, Choice } from './decider';
export type { Schedule, ScheduledEvent } from './plans';
export type { Anchor, ChoiceName, EventName, ThreadRef, Token } from './replay';
export type { PlannedRun, Strategy } from './strategies/strategy';
export type { RandomOptions } from './strategies/random';
export type { PctOptions } from './strategies/pct';
export type { ExhaustiveOptions } from './strategies/exhaustive';
export type { ScheduleOptions } from './arbitrary';
export type { CoverageData, KindCounts } from './coverage';
export type { DeterminismCheck, ReplayOptions } from './reproduce';

export { runScenario } from './scenario';
export { explore, formatExplore } from './explore';
export { shrinkTokens, TOKEN_SHRINK_BUDGET } from './shrink';
export { replay, checkDeterminism } from './reproduce';
export { formatReplay, formatToken, parseReplay, ReplayError } from './replay';
export { random } from './strategies/random';
export { pct, pctBound } from './strategies/pct';
export { exhaustive } from './strategies/exhaustive';
export { at } from './strategies/at';
export { schedule, runSchedule, shrinkFailure, ScheduleValue } from './arbitrary';
export { Coverage } from './coverage';
export { INVARIANTS } from './invariants';
export { BUILTIN_WINDOWS } from './windows';
export { DEFAULT_STALL, MAX_IN_A_ROW, PlanError, TestDecisions } from './decider';
export { SchedulePlan, ReplayPlan } from './plans';
