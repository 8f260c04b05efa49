// The compile target of an open session: this machine for `local`, otherwise the host's kernel release and
// architecture (from agent.hello) and its own BTF, read through the session's transport, so the program is built
// against the kernel it will run on.
import type { Session } from '../session';
import { localTarget, type TargetHost } from './compileForHost';

export function sessionTarget(s: Session): TargetHost {
  if (s.isLocal) return localTarget();
  return {
    kernelRelease: s.facts.kernelRelease,
    arch: s.facts.arch,
    readBtf: () => s.transport.readFile(s.facts.btf.path || '/sys/kernel/btf/vmlinux'),
  };
}
