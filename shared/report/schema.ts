import { CHANGES, FINDING_KINDS, SEVERITIES } from "../diff/finding.ts";
import { REPORT_FORMAT } from "./model.ts";

/**
 * JSON Schema (draft 2020-12) of a `pgdrift.report/v1` file. docs/report-format.md carries
 * the same JSON (a test keeps them equal) and `validateJsonSchema` checks reports against it.
 */
export const REPORT_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "pgdrift report (pgdrift.report/v1)",
  type: "object",
  required: [
    "format",
    "runId",
    "trigger",
    "startedAt",
    "finishedAt",
    "baseline",
    "environments",
    "summary",
  ],
  additionalProperties: false,
  properties: {
    format: { const: REPORT_FORMAT },
    runId: { type: "string", minLength: 1 },
    trigger: { type: "string", minLength: 1, description: "cli, schedule, on-demand, deploy, …" },
    startedAt: { type: "string", format: "date-time" },
    finishedAt: { type: "string", format: "date-time" },
    baseline: { $ref: "#/$defs/baseline" },
    environments: { type: "array", items: { $ref: "#/$defs/environment" } },
    summary: { $ref: "#/$defs/runSummary" },
  },
  $defs: {
    severity: { enum: [...SEVERITIES] },
    digest: { type: "string", pattern: "^sha256:[0-9a-f]{64}$" },
    severityCounts: {
      type: "object",
      required: [...SEVERITIES],
      additionalProperties: false,
      properties: Object.fromEntries(SEVERITIES.map((s) => [s, { type: "integer", minimum: 0 }])),
    },
    migration: {
      type: "object",
      required: ["file", "version", "checksum"],
      additionalProperties: false,
      properties: {
        file: { type: "string" },
        version: { type: "string" },
        checksum: { $ref: "#/$defs/digest" },
        kind: { enum: ["versioned", "repeatable"] },
        description: { type: "string" },
        toolChecksum: { type: ["integer", "string", "null"] },
        timestamp: { type: ["string", "null"] },
        committedAt: { type: ["string", "null"] },
      },
    },
    source: {
      oneOf: [
        {
          type: "object",
          required: ["kind", "serverVersion", "serverVersionNum", "format", "migrations"],
          additionalProperties: false,
          properties: {
            kind: { const: "migrations" },
            serverVersion: { type: "string" },
            serverVersionNum: { type: "integer" },
            format: { type: "string" },
            migrations: { type: "array", items: { $ref: "#/$defs/migration" } },
          },
        },
        {
          type: "object",
          required: ["kind", "serverVersion", "serverVersionNum", "database", "host"],
          additionalProperties: false,
          properties: {
            kind: { const: "database" },
            serverVersion: { type: "string" },
            serverVersionNum: { type: "integer" },
            database: { type: "string" },
            host: { type: ["string", "null"] },
          },
        },
      ],
    },
    baseline: {
      type: "object",
      required: ["source", "digest"],
      additionalProperties: false,
      properties: {
        source: { $ref: "#/$defs/source" },
        digest: { $ref: "#/$defs/digest" },
        location: { type: "string", description: "a file path, an S3 URI or a migrations folder" },
      },
    },
    finding: {
      type: "object",
      required: ["id", "kind", "object", "change", "severity", "expected", "actual", "message"],
      additionalProperties: false,
      properties: {
        id: { type: "string", pattern: "^[0-9a-f]{16}$" },
        kind: { enum: [...FINDING_KINDS] },
        object: { type: "string", minLength: 1 },
        change: { enum: [...CHANGES] },
        attribute: { type: "string" },
        severity: { $ref: "#/$defs/severity" },
        expected: { description: "the baseline's value; null when the object is not in it" },
        actual: { description: "the environment's value; null when the object is not in it" },
        message: { type: "string", minLength: 1 },
        table: { type: "string" },
        remediation: { type: "string" },
        evidence: { type: "object" },
      },
    },
    ignoredFinding: {
      type: "object",
      required: ["finding", "reason"],
      additionalProperties: false,
      properties: {
        finding: { $ref: "#/$defs/finding" },
        reason: { type: "string" },
      },
    },
    error: {
      type: "object",
      required: ["code", "message"],
      additionalProperties: false,
      properties: {
        code: { type: "string", pattern: "^[a-z][a-z_]*$" },
        message: { type: "string", minLength: 1 },
        sqlstate: { type: "string", pattern: "^[0-9A-Z]{5}$" },
      },
    },
    environmentSummary: {
      type: "object",
      required: ["total", "bySeverity", "worst", "ignored"],
      additionalProperties: false,
      properties: {
        total: { type: "integer", minimum: 0 },
        bySeverity: { $ref: "#/$defs/severityCounts" },
        worst: { enum: [...SEVERITIES, null] },
        ignored: { type: "integer", minimum: 0 },
      },
    },
    environment: {
      type: "object",
      required: ["name", "status", "serverVersion", "findings", "summary"],
      additionalProperties: false,
      properties: {
        name: { type: "string", minLength: 1 },
        status: { enum: ["clean", "drift", "error"] },
        serverVersion: { type: ["string", "null"] },
        error: { $ref: "#/$defs/error" },
        notes: { type: "array", items: { type: "string" } },
        snapshotDigest: { $ref: "#/$defs/digest" },
        comparedWith: {
          type: "object",
          required: ["version", "checkpoint"],
          additionalProperties: false,
          properties: {
            version: { type: ["string", "null"] },
            checkpoint: { type: "boolean" },
          },
        },
        findings: { type: "array", items: { $ref: "#/$defs/finding" } },
        ignored: { type: "array", items: { $ref: "#/$defs/ignoredFinding" } },
        summary: { $ref: "#/$defs/environmentSummary" },
      },
    },
    runSummary: {
      type: "object",
      required: ["environments", "clean", "drift", "error", "findings", "bySeverity", "worst"],
      additionalProperties: false,
      properties: {
        environments: { type: "integer", minimum: 0 },
        clean: { type: "integer", minimum: 0 },
        drift: { type: "integer", minimum: 0 },
        error: { type: "integer", minimum: 0 },
        findings: { type: "integer", minimum: 0 },
        bySeverity: { $ref: "#/$defs/severityCounts" },
        worst: { enum: [...SEVERITIES, null] },
      },
    },
  },
} as const;

type Json = unknown;

interface SchemaNode {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly const?: Json;
  readonly enum?: readonly Json[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly items?: SchemaNode;
  readonly oneOf?: readonly SchemaNode[];
  readonly pattern?: string;
  readonly minLength?: number;
  readonly minimum?: number;
}

function typeOf(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(value: Json, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

/**
 * Checks a value against the subset of JSON Schema that REPORT_SCHEMA uses (`type`, `const`,
 * `enum`, `properties`, `required`, `additionalProperties: false`, `items`, `oneOf`,
 * `pattern`, `minLength`, `minimum`, local `$ref`). Returns the problems, `[]` when valid.
 */
export function validateJsonSchema(value: Json, schema: object = REPORT_SCHEMA): string[] {
  const root = schema as SchemaNode & { $defs?: Record<string, SchemaNode> };
  const check = (node: SchemaNode, v: Json, path: string, errors: string[]): void => {
    if (node.$ref) {
      const name = node.$ref.replace(/^#\/\$defs\//, "");
      const target = root.$defs?.[name];
      if (!target) {
        errors.push(`${path}: unknown $ref ${node.$ref}`);
        return;
      }
      check(target, v, path, errors);
      return;
    }
    if (node.type !== undefined) {
      const types = typeof node.type === "string" ? [node.type] : node.type;
      if (!types.some((type) => typeMatches(v, type))) {
        errors.push(`${path}: expected ${types.join(" or ")}, found ${typeOf(v)}`);
        return;
      }
    }
    if ("const" in node && v !== node.const) {
      errors.push(`${path}: expected ${JSON.stringify(node.const)}`);
    }
    if (node.enum && !node.enum.includes(v)) {
      errors.push(`${path}: ${JSON.stringify(v)} is not one of ${JSON.stringify(node.enum)}`);
    }
    if (typeof v === "string") {
      if (node.minLength !== undefined && v.length < node.minLength)
        errors.push(`${path}: too short`);
      if (node.pattern !== undefined && !new RegExp(node.pattern).test(v)) {
        errors.push(`${path}: ${JSON.stringify(v)} does not match ${node.pattern}`);
      }
    }
    if (typeof v === "number" && node.minimum !== undefined && v < node.minimum) {
      errors.push(`${path}: below ${node.minimum}`);
    }
    if (node.oneOf) {
      const matching = node.oneOf.filter((option) => {
        const problems: string[] = [];
        check(option, v, path, problems);
        return problems.length === 0;
      });
      if (matching.length !== 1) {
        errors.push(
          `${path}: matches ${matching.length} of the ${node.oneOf.length} alternatives, expected exactly 1`,
        );
      }
    }
    if (Array.isArray(v) && node.items) {
      for (const [index, item] of v.entries()) check(node.items, item, `${path}[${index}]`, errors);
    }
    if (typeOf(v) === "object" && (node.properties || node.required)) {
      const obj = v as Record<string, Json>;
      for (const key of node.required ?? []) {
        if (!(key in obj)) errors.push(`${path}: missing ${key}`);
      }
      for (const [key, child] of Object.entries(obj)) {
        const sub = node.properties?.[key];
        if (sub) check(sub, child, `${path}.${key}`, errors);
        else if (node.additionalProperties === false)
          errors.push(`${path}: unexpected property ${key}`);
      }
    }
  };

  const errors: string[] = [];
  check(root, value, "$", errors);
  return errors;
}
