import type { DraftFinding, RuleContext } from "../context.ts";

// STUB: to be implemented (issue 4).
export function functionRule(_ctx: RuleContext): DraftFinding[] {
  return [];
}
export function procedureRule(_ctx: RuleContext): DraftFinding[] {
  return [];
}
