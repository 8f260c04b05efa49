// Turns a failed attach into the error a user can act on: "already attached" (pass replace), "unsupported here"
// (offload on veth, tcx on old bpftool), or the tool's own failure.
import { AgentErrorCode } from '../../protocol/agent';
import { AgentError } from '../core/errors';
import { toolFailed, type RunResult } from '../core/runner';

const ALREADY =
  /already attached|File exists|Device or resource busy|Native and generic XDP can't be active|Exclusivity flag on|Filter already exists/i;

export function attachFailure(r: RunResult, what: string, opts: { offload?: boolean } = {}): AgentError {
  const text = `${r.stderr}\n${r.stdout}`;
  const base = toolFailed(r, what);
  if (opts.offload && /Invalid argument|Operation not supported|not supported/i.test(text)) {
    return new AgentError(AgentErrorCode.Unsupported, `${what}: the driver refused XDP offload (${firstError(text)})`, base.data);
  }
  if (/invalid net attach\/detach type|unknown|Unknown/.test(text) && /tcx/.test(r.argv.join(' '))) {
    return new AgentError(AgentErrorCode.Unsupported, `${what}: this bpftool does not know tcx (${firstError(text)})`, base.data);
  }
  if (ALREADY.test(text)) {
    return new AgentError(
      AgentErrorCode.AlreadyAttached,
      `${what}: something is attached already (${firstError(text)}); pass replace: true to overwrite`,
      base.data,
    );
  }
  if (/Operation not permitted|Permission denied/.test(text) && !/BEGIN PROG LOAD LOG/.test(text)) {
    return new AgentError(AgentErrorCode.PermissionDenied, `${what}: ${firstError(text)}`, base.data);
  }
  return base;
}

function firstError(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /Kernel error message|Error:/.test(l))?.replace(/^libbpf: /, '') ?? lines[lines.length - 1] ?? 'no output';
}
