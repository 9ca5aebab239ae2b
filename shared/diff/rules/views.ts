import type { DraftFinding, RuleContext } from "../context.ts";

// STUB: to be implemented (issue 4).
export function viewRule(_ctx: RuleContext): DraftFinding[] {
  return [];
}
export function materializedViewRule(_ctx: RuleContext): DraftFinding[] {
  return [];
}
