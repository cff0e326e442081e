// What every case returns: measured rows and the targets checked against them.
import type { LoadResult } from './load.ts';

export interface Row extends LoadResult {
  name: string;
}

export interface Check {
  name: string;
  value: number;
  goal: string; // e.g. ">= 4"
  pass: boolean;
}

export interface CaseResult {
  rows: Row[];
  checks: Check[];
}

export interface CaseOptions {
  durationSeconds: number;
  connections: number;
}

export interface BenchCase {
  name: string;
  run(options: CaseOptions): Promise<CaseResult>;
}

export const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);

export function atLeast(name: string, value: number, goal: number): Check {
  return { name, value, goal: `>= ${goal}`, pass: value >= goal };
}

export function atMost(name: string, value: number, goal: number): Check {
  return { name, value, goal: `<= ${goal}`, pass: value <= goal };
}

/** A figure shown beside the targets with no goal of its own (two decimals). */
export function reported(name: string, value: number): Check {
  return { name, value: Math.round(value * 100) / 100, goal: '(reported)', pass: true };
}
