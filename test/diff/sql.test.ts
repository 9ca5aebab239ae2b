import { describe, expect, it } from "vitest";
import { privilegeStatements } from "../../shared/diff/sql.ts";

describe("privilegeStatements", () => {
  it("grants what is missing and revokes what no migration granted", () => {
    const statements = privilegeStatements(
      "TABLE public.t",
      ["app:SELECT", "PUBLIC:SELECT"],
      ["app:SELECT", "etl:DELETE"],
    );

    expect(statements).toEqual([
      "GRANT SELECT ON TABLE public.t TO PUBLIC;",
      "REVOKE DELETE ON TABLE public.t FROM etl;",
    ]);
  });

  it("adjusts the grant option alone when only it differs", () => {
    expect(privilegeStatements("TABLE t", ["a:SELECT*"], ["a:SELECT"])).toEqual([
      "GRANT SELECT ON TABLE t TO a WITH GRANT OPTION;",
    ]);
    expect(privilegeStatements("TABLE t", ["a:SELECT"], ["a:SELECT*"])).toEqual([
      "REVOKE GRANT OPTION FOR SELECT ON TABLE t FROM a;",
    ]);
  });

  it("spells the owner's grants with the owner's name, and leaves them out when it is unknown", () => {
    expect(privilegeStatements("TABLE t", ["OWNER:DELETE"], [], { owner: "App Owner" })).toEqual([
      'GRANT DELETE ON TABLE t TO "App Owner";',
    ]);
    expect(privilegeStatements("TABLE t", ["OWNER:DELETE"], [])).toEqual([]);
  });
});
