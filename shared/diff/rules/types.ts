import type { DraftFinding, RuleContext } from "../context.ts";

// STUB: to be implemented (issue 4).
export function typeRule(_ctx: RuleContext): DraftFinding[] {
  return [];
}
