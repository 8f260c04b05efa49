// A test run's return value by name, for the program types a packet can be run through: XDP actions and tc
// actions (include/uapi/linux/bpf.h enum xdp_action, include/uapi/linux/pkt_cls.h TC_ACT_*).
const XDP = ['XDP_ABORTED', 'XDP_DROP', 'XDP_PASS', 'XDP_TX', 'XDP_REDIRECT'];
const TC: Record<number, string> = {
  [-1]: 'TC_ACT_UNSPEC',
  0: 'TC_ACT_OK',
  1: 'TC_ACT_RECLASSIFY',
  2: 'TC_ACT_SHOT',
  3: 'TC_ACT_PIPE',
  4: 'TC_ACT_STOLEN',
  5: 'TC_ACT_QUEUED',
  6: 'TC_ACT_REPEAT',
  7: 'TC_ACT_REDIRECT',
  8: 'TC_ACT_TRAP',
};

/** Program types `prog.run` accepts: the ones whose context is a packet and whose verdict has a name. */
export const RUNNABLE_TYPES = ['xdp', 'sched_cls', 'sched_act'] as const;

/** bpftool prints the u32 retval; tc actions are signed (TC_ACT_UNSPEC is -1). */
export function signedRetval(type: string, retval: number): number {
  return type === 'xdp' ? retval >>> 0 : retval | 0;
}

export function verdictName(type: string, retval: number): string {
  const name = type === 'xdp' ? XDP[retval] : TC[retval];
  return name ?? String(retval);
}
