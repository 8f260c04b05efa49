// The compile target for a command: this machine, or the host of an open session (its kernel release and
// architecture, and its own BTF read through the session's transport).
import type { Session } from '../core/session';
import { localTarget, type TargetHost } from '../core/compile/compileForHost';

export function sessionTarget(s: Session): TargetHost {
  if (s.isLocal) return localTarget();
  return {
    kernelRelease: s.facts.kernelRelease,
    arch: s.facts.arch,
    readBtf: () => s.transport.readFile(s.facts.btf.path || '/sys/kernel/btf/vmlinux'),
  };
}
