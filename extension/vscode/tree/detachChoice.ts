// What Detach says about an attachment, in the user's terms: the program by name and id, where it is attached and
// how ("xdp_drop_ping #864 on eth0, driver"), never the attachment id. VS Code-free, so it is unit-tested.
import type { Attachment } from '../../../protocol/types';

export interface DetachChoice {
  label: string;
  description?: string;
  attachment: Attachment;
}

/** "xdp_drop_ping #864 on eth0, driver" / "tc_tcp_psh #12 on eth0 in netns end_lab_a, tc egress". */
export function describeAttachment(a: Attachment): string {
  const prog = a.progName
    ? `${a.progName}${a.progId ? ` #${a.progId}` : ''}`
    : a.progId
      ? `program #${a.progId}`
      : a.object
        ? `the tracepoints of ${a.object}`
        : a.kind;
  const where = a.dev
    ? `${a.dev}${a.netns && a.netns !== 'root' ? ` in netns ${a.netns}` : ''}`
    : a.cgroup
      ? `cgroup ${a.cgroup}`
      : a.map
        ? `map ${a.map}`
        : undefined;
  const how =
    a.kind === 'xdp'
      ? a.mode
      : a.kind === 'tc' || a.kind === 'tcx'
        ? `${a.kind} ${a.direction ?? ''}`.trim()
        : a.kind === 'cgroup'
          ? a.attachType
          : undefined;
  return `${prog}${where ? ` on ${where}` : ''}${how ? `, ${how}` : ''}`;
}

/**
 * The attachments Detach may offer (those of one program when it was started from a program row), each with its
 * label; `ask` is false when there is nothing to choose between.
 */
export function detachChoices(list: Attachment[], progId?: number): { choices: DetachChoice[]; ask: boolean } {
  const choices = list
    .filter((a) => progId === undefined || a.progId === progId)
    .map((a) => ({ label: describeAttachment(a), attachment: a }));
  return { choices, ask: choices.length > 1 };
}

/** The message after a detach: "Detached XDP from eth0: xdp_drop_ping #864, driver." */
export function detachedMessage(d: Attachment): string {
  const kind = d.kind === 'xdp' ? 'XDP' : d.kind === 'tc' || d.kind === 'tcx' ? `${d.kind}${d.direction ? ` ${d.direction}` : ''}` : d.kind;
  const from = d.dev ? `${d.dev}${d.netns && d.netns !== 'root' ? ` (netns ${d.netns})` : ''}` : (d.cgroup ?? d.map ?? d.object);
  const prog = d.progName ? `${d.progName}${d.progId ? ` #${d.progId}` : ''}` : d.progId ? `program #${d.progId}` : undefined;
  const extra = [prog, d.kind === 'xdp' ? d.mode : undefined].filter(Boolean).join(', ');
  return `Detached ${kind}${from ? ` from ${from}` : ''}${extra ? `: ${extra}` : ''}.`;
}
