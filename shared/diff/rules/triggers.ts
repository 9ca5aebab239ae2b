import type { DraftFinding, RuleContext } from "../context.ts";

// STUB: to be implemented (issue 4).
export function triggerRule(_ctx: RuleContext): DraftFinding[] {
  return [];
}
