/**
 * Object globs used by severity overrides and ignore rules: `*` matches any run of
 * characters (dots included), `?` exactly one; everything else matches itself.
 */
const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (re === undefined) {
    let source = "";
    for (const char of glob) {
      if (char === "*") source += "[\\s\\S]*";
      else if (char === "?") source += "[\\s\\S]";
      else source += char.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
    }
    re = new RegExp(`^${source}$`, "u");
    cache.set(glob, re);
  }
  return re;
}

export function matchesGlob(glob: string, text: string): boolean {
  return globToRegExp(glob).test(text);
}
