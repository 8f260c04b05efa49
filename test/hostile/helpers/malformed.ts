// Malformed params for every agent method, generated from its schema (protocol/schemas.ts), so a method added
// tomorrow is covered by the same run: params that are not an object at all, each property replaced by each
// hostile value (wrong types, objects posing as strings, option-like names, NUL bytes, huge strings, deep
// nesting, traversal), each required property left out, and an unknown property added. Every case built here is
// checked to really fail its schema: a value the schema happens to accept is not a malformed case and is dropped.
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { paramSchemas } from '../../../protocol/schemas';

export interface MalformedCase {
  method: string;
  label: string;
  params: unknown;
}

/** `[[[...]]]` this deep: JSON.parse and the checker must not recurse themselves to death on it. */
export function nested(depth: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

export const HOSTILE_VALUES: [string, unknown][] = [
  ['object posing as a string', { toString: 'x' }],
  ['object with valueOf', { valueOf: 1 }],
  ['array', ['eth0']],
  ['number', 42],
  ['negative', -1],
  ['huge number', 1e308],
  ['fraction', 0.5],
  ['boolean', true],
  ['null', null],
  ['empty string', ''],
  ['option -h', '-h'],
  ['option --help', '--help'],
  ['NUL inside', 'eth\u00000'],
  ['NUL alone', '\u0000'],
  ['70,000 characters', 'x'.repeat(70_000)],
  ['traversal', '../../../etc/passwd'],
  ['shell', '$(reboot);`id`'],
  ['newline', 'a\nStrictHostKeyChecking no'],
  ['deeply nested', nested(2000)],
];

/** Some value the property schema accepts (for the valid rest of a case), or undefined if none of ours fits. */
function validSample(schema: TSchema): unknown {
  if (schema.const !== undefined) return schema.const;
  const kind = schema[Kind] as string;
  if (kind === 'Union') {
    for (const s of schema.anyOf as TSchema[]) {
      const v = validSample(s);
      if (v !== undefined || Value.Check(s, v)) return v;
    }
    return undefined;
  }
  if (kind === 'Boolean') return false;
  if (kind === 'Integer' || kind === 'Number') return schema.minimum ?? 1;
  if (kind === 'Record') return {};
  if (kind === 'Object') {
    const out: Record<string, unknown> = {};
    for (const key of (schema.required as string[] | undefined) ?? []) out[key] = validSample(schema.properties[key] as TSchema);
    return out;
  }
  if (kind === 'String') {
    for (const s of ['id:1', 'eth0', 'end_zzz_x', 'zzz9', '/sys/fs/bpf/end_zzz_x', 'a']) if (Value.Check(schema, s)) return s;
  }
  return undefined;
}

export function malformedCases(schemas: Record<string, TSchema> = paramSchemas): MalformedCase[] {
  const cases: MalformedCase[] = [];
  const add = (method: string, label: string, params: unknown) => {
    if (!Value.Check(schemas[method], params)) cases.push({ method, label, params });
  };
  for (const [method, schema] of Object.entries(schemas)) {
    for (const [label, v] of [
      ['a string', 'params'],
      ['a number', 7],
      ['null', null],
      ['an array of two', [1, 2]],
      ['an object posing as params', { toString: 'x' }],
      ['deeply nested', nested(2000)],
      ['nothing', undefined],
    ] as const) {
      add(method, `params: ${label}`, v);
    }
    // the object schema of the method (noParams is a union; its object member refuses every property)
    const obj = schema[Kind] === 'Object' ? schema : (schema.anyOf as TSchema[] | undefined)?.find((s) => s[Kind] === 'Object');
    if (!obj) continue;
    const base = (validSample(obj) ?? {}) as Record<string, unknown>;
    add(method, 'an unknown property', { ...base, surprise: 1 });
    add(
      method,
      'a property named __proto__',
      JSON.parse(`{"__proto__": {"polluted": true}, ${JSON.stringify(base).slice(1)}`.replace(/, }$/, '}')),
    );
    for (const key of (obj.required as string[] | undefined) ?? []) {
      const { [key]: _left, ...rest } = base;
      add(method, `${key} missing`, rest);
    }
    for (const [key, prop] of Object.entries(obj.properties as Record<string, TSchema>)) {
      for (const [label, v] of HOSTILE_VALUES) add(method, `${key}: ${label}`, { ...base, [key]: v });
      if (prop[Kind] === 'Object') {
        const inner = (validSample(prop) ?? {}) as Record<string, unknown>;
        for (const [ik] of Object.entries(prop.properties as Record<string, TSchema>)) {
          for (const [label, v] of HOSTILE_VALUES) add(method, `${key}.${ik}: ${label}`, { ...base, [key]: { ...inner, [ik]: v } });
        }
      }
    }
  }
  return cases;
}
