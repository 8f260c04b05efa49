// The agent's JSON-RPC errors as one typed class, so that every front end (CLI, VS Code, scripts) says the same
// readable thing for the same failure. The agent puts the tool output and the refused argument in `data`
// (protocol/agent.ts AgentErrorData); describe() turns that into one line, details() into the rest.
import { AgentErrorCode, type AgentErrorData } from '../../protocol/agent';

/** Client-side codes for failures that never reached the agent (outside the agent's own range). */
export const ClientErrorCode = {
  /** The agent process ended or the connection dropped before a reply arrived. */
  ConnectionClosed: -32099,
} as const;

const codeNames: Record<number, string> = {
  [AgentErrorCode.BadArgument]: 'BadArgument',
  [AgentErrorCode.ToolMissing]: 'ToolMissing',
  [AgentErrorCode.ToolFailed]: 'ToolFailed',
  [AgentErrorCode.VerifierRejected]: 'VerifierRejected',
  [AgentErrorCode.NotFound]: 'NotFound',
  [AgentErrorCode.Unsupported]: 'Unsupported',
  [AgentErrorCode.AlreadyAttached]: 'AlreadyAttached',
  [AgentErrorCode.PermissionDenied]: 'PermissionDenied',
  [AgentErrorCode.Internal]: 'Internal',
  [AgentErrorCode.Busy]: 'Busy',
  [AgentErrorCode.InvalidParams]: 'InvalidParams',
  [ClientErrorCode.ConnectionClosed]: 'ConnectionClosed',
  [-32700]: 'ParseError',
  [-32600]: 'InvalidRequest',
  [-32601]: 'MethodNotFound',
  [-32603]: 'InternalError',
};

export class AgentError extends Error {
  override readonly name = 'AgentError';

  constructor(
    readonly code: number,
    message: string,
    readonly data: AgentErrorData = {},
    /** The JSON-RPC method that failed, when known. */
    readonly method?: string,
  ) {
    super(message);
  }

  /** e.g. "BadArgument" for -32010; the number itself for codes nobody named. */
  get codeName(): string {
    return codeNames[this.code] ?? String(this.code);
  }

  /** One line a user can act on (the CLI prints exactly this on failure). */
  describe(): string {
    const d = this.data;
    const msg = oneLine(this.message);
    switch (this.code) {
      case AgentErrorCode.BadArgument:
      case AgentErrorCode.InvalidParams:
        return d.argument && !msg.includes(d.argument) ? `bad argument ${d.argument}: ${msg}` : msg;
      case AgentErrorCode.ToolMissing:
        return d.tool && !msg.includes(d.tool) ? `${d.tool} is missing on the host: ${msg}` : msg;
      case AgentErrorCode.ToolFailed: {
        const tool = d.argv?.[0];
        const why = firstLine(d.stderr) ?? firstLine(d.stdout);
        const head = tool && !msg.includes(tool) ? `${tool} failed: ${msg}` : msg;
        return why && !head.includes(why) ? `${head}: ${why}` : head;
      }
      case AgentErrorCode.VerifierRejected: {
        const v = d.verifier;
        if (!v) return `verifier rejected the program: ${msg}`;
        const where = v.source ? ` at ${v.source.file}:${v.source.line}` : '';
        const prog = v.program ? ` ${v.program}` : '';
        return `verifier rejected program${prog}${where}: ${oneLine(v.message)}`;
      }
      case ClientErrorCode.ConnectionClosed:
        return `lost the agent: ${msg}`;
      case -32601:
        return `the agent does not know method ${this.method ?? '?'} (an older agent?): ${msg}`;
      default:
        return msg;
    }
  }

  /** The rest a user may need: the tool's command line and output, the verifier log, the agent's stack. */
  details(): string {
    const d = this.data;
    const parts: string[] = [];
    if (d.argv?.length) parts.push(`$ ${d.argv.join(' ')}` + (d.exitCode !== undefined ? `  (exit ${d.exitCode})` : ''));
    if (d.stdout?.trim()) parts.push(d.stdout.trimEnd());
    if (d.stderr?.trim()) parts.push(d.stderr.trimEnd());
    if (d.verifier?.log) parts.push(d.verifier.log.trimEnd());
    if (d.stack) parts.push(d.stack);
    return parts.join('\n');
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

function firstLine(s: string | undefined): string | undefined {
  const l = s
    ?.split('\n')
    .map((x) => x.trim())
    .find((x) => x.length > 0);
  return l === undefined ? undefined : l;
}
