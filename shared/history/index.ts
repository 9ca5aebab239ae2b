export { type CompareHistoryOptions, compareHistory } from "./compare.ts";
export { describeHistorySearch, findHistoryTable } from "./find.ts";
export { readHistory } from "./read.ts";
export {
  type FindHistoryOptions,
  HISTORY_TABLES,
  type HistoryColumn,
  type HistoryEntry,
  HistoryError,
  type HistoryFormat,
  type HistoryTable,
  isHistoryFormat,
} from "./types.ts";
