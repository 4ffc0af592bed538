// Python `string.Template(s).safe_substitute(mapping)`, which the Tinybird CLI applies to ENGINE*, NODE names,
// TYPE/DATASOURCE/... values (with the environment) and to INCLUDE files (with the `k=v` arguments) (spec §9.1).
// `$$` becomes `$`; `$name` / `${name}` with no value are left as written.

export type Vars = Readonly<Record<string, string | undefined>>;

const PLACEHOLDER = /\$(?:(\$)|([_a-z][_a-z0-9]*)|\{([_a-z][_a-z0-9]*)\})/gi;

export function substituteVars(text: string, vars: Vars): string {
  return text.replace(PLACEHOLDER, (whole, dollar: string | undefined, bare: string | undefined, braced: string | undefined) => {
    if (dollar !== undefined) return '$';
    const name = (bare ?? braced)!;
    const value = Object.hasOwn(vars, name) ? vars[name] : undefined;
    return value === undefined ? whole : value;
  });
}
