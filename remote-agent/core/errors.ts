// Typed agent errors: every failure a client sees carries one of protocol/agent.ts's AgentErrorCode values and an
// AgentErrorData object, so the extension can name the bad argument or show the tool's own output.
import { AgentErrorCode, type AgentErrorData, type VerifierRejection } from '../../protocol/agent';

export class AgentError extends Error {
  constructor(
    readonly code: AgentErrorCode,
    message: string,
    readonly data: AgentErrorData = {},
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

export function badArgument(argument: string, message: string): AgentError {
  return new AgentError(AgentErrorCode.BadArgument, `${argument}: ${message}`, { argument });
}

export function notFound(argument: string, message: string): AgentError {
  return new AgentError(AgentErrorCode.NotFound, message, { argument });
}

export function unsupported(message: string, data: AgentErrorData = {}): AgentError {
  return new AgentError(AgentErrorCode.Unsupported, message, data);
}

export function toolMissing(tool: string, message?: string): AgentError {
  return new AgentError(AgentErrorCode.ToolMissing, message ?? `${tool} is not installed on this host`, { tool });
}

export function verifierRejected(rejection: VerifierRejection, data: AgentErrorData): AgentError {
  const where = rejection.source ? ` at ${rejection.source.file}:${rejection.source.line}` : '';
  return new AgentError(AgentErrorCode.VerifierRejected, `verifier rejected the program${where}: ${rejection.message}`, {
    ...data,
    verifier: rejection,
  });
}

/** Converts anything thrown into an AgentError (unknown errors become Internal with their stack). */
export function toAgentError(err: unknown): AgentError {
  if (err instanceof AgentError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  return new AgentError(AgentErrorCode.Internal, `internal error: ${e.message}`, { stack: e.stack });
}
