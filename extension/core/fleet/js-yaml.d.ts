// js-yaml 4 ships no types; this is the one function the inventory reader uses (safe by default in v4: no custom
// tags, no code).
declare module 'js-yaml' {
  export function load(text: string, opts?: { filename?: string }): unknown;
}
