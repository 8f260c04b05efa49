// Checks a request's params against its method's schema (protocol/schemas.ts) before the handler sees them: wrong
// types, unknown properties, option-like names, NUL bytes and oversize strings end here as an InvalidParams error
// naming the argument, so no handler ever meets `{"toString":"x"}` where it expects a string.
import { TypeCompiler, ValueErrorType, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { AgentErrorCode } from '../../protocol/agent';
import { paramSchemas } from '../../protocol/schemas';
import { AgentError } from './errors';

export type ParamsCheck = (params: unknown) => void;

const compiled = new Map<string, TypeCheck<TSchema>>();

/** A short, bounded rendering of a refused value (never the whole of a 40 MB string). */
function show(value: unknown): string {
  let s: string;
  try {
    s = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : (JSON.stringify(value) ?? String(value));
  } catch {
    s = typeof value;
  }
  return s.length > 100 ? `${s.slice(0, 100)}...` : s;
}

/** The checker of `method`, or undefined when protocol/schemas.ts has no schema for it. */
export function paramsCheckOf(method: string): ParamsCheck | undefined {
  const schema = Object.hasOwn(paramSchemas, method) ? paramSchemas[method] : undefined;
  if (!schema) return undefined;
  let check = compiled.get(method);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(method, check);
  }
  const c = check;
  return (params) => {
    if (c.Check(params)) return;
    const first = c.Errors(params).First();
    const argument = first?.path ? first.path.slice(1).replace(/\//g, '.') : 'params';
    const described = first?.schema.description as string | undefined;
    const literals = (first?.schema.anyOf as { const?: unknown }[] | undefined)?.map((x) => x.const);
    const why =
      literals?.length && literals.every((x) => typeof x === 'string')
        ? `${show(first?.value)} is not one of ${literals.join(', ')}`
        : first?.type === ValueErrorType.StringMaxLength
          ? `${show(first.value)} is longer than ${String(first.schema.maxLength)} characters`
          : described
            ? `${show(first?.value)} is not ${described}`
            : `${first?.message ?? 'invalid'} (got ${show(first?.value)})`;
    throw new AgentError(AgentErrorCode.InvalidParams, `${argument}: ${why}`, { argument });
  };
}
