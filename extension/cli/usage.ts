// The help text: every command with its options, in the order a user meets them.
export const USAGE = `Usage: ebpf-netdebug COMMAND [options]

Commands:
  info     --host H                                   what the host offers (kernel, bpftool, mounts, privileges)
  build    FILE.bpf.c [-o OUT.o] [--host H] [-D N=V]  compile (for --host's kernel); errors as file:line:col
  inspect  FILE.o|FILE.bpf.c [--no-sections]          ELF header, sections, programs, maps, globals, license, BTF
  attach   xdp|tc|sockops|skmsg|tracepoints --host H [options] FILE(.bpf.c|.o)
             xdp:         --dev IF [--netns NS] [--mode native|generic|offload] [--via bpftool|iproute2] [--replace]
             tc:          --dev IF --direction ingress|egress [--netns NS] [--via tc|tcx] [--replace]
             sockops:     --cgroup PATH [--create-cgroup]
             skmsg:       [--map OBJECT/MAP|PIN|id:N]
             tracepoints: (every program of the object)
             xdp, tc:     [--confirm-within SECONDS | --no-confirm] (dead-man switch; on by default on the SSH interface)
             xdp, tc:     [--capture FILE.pcapng|- [--filter F] [--snap-length N] [--duration S]] (FILE.bpf.c only:
                          record every packet's verdict, then leave the plain program attached)
             all:         [--program NAME] [--name OBJECT] [--reload] [--set KNOB=VALUE]...
  detach   --host H ATTACHMENT_ID [--keep-object]     undo an attach (the id attach printed)
  unload   --host H OBJECT [--force]                  remove an object attach loaded (detach does it for the last one)
  list     programs|maps|net|links|attachments|objects --host H [--netns NS]
  host     clean --host H                             remove everything of ours from the host's ~/.cache/ebpf-netdebug
  host     install-launcher --host H                  root-owned launcher + allow list, for a sudoers rule granting only it
                                                      (refused while an agent of ours runs there)
  trace    --host H [--source trace_pipe|packet-path] [--filter F] [--duration S]
             packet-path: [-w FILE.pcapng | -w -] [--snaplen N] (pcapng of every hop, N first bytes, 0-256, default 128)
             packet-path: [--netns-scope own|all] (own: only hops in the agent's own network namespace)
  lab      create|destroy|list NAME --host H [--topology pair|bridge] [--ipv6] [--root-link]
  run      --host H --program REF (--packet HEX | --pcapng FILE [--index N]) [--repeat N] [--runs N]
                                                      a packet through an XDP/tc program (kernel test run): verdict,
                                                      time per run, changes to the packet and the program's maps
  top      --host H [--interval S] [--duration S]     programs by CPU share: runs/s, avg ns/run, CPU %, where attached
                                                      (kernel run-time statistics on only while it runs)
  diff     --host A --host B [--no-contents] [--netns-scope own|all]
                                                      programs, attachments, maps (and their contents) of two hosts

Several hosts (info, list, attach, detach, trace): instead of --host give
  --hosts H1,H2,...           specs as for --host, or ssh_config Host patterns (web-*) expanded against ~/.ssh/config
  --inventory FILE [--limit P] an Ansible inventory (INI or YAML) or an ssh_config file; --limit: groups/hosts (globs)
  --parallel N (default 10, $EBPF_NETDEBUG_PARALLEL)  --stagger MS (between connection starts, default 50)
  Text output is grouped by host; --json prints one JSON object per line with a "host" field. A host that fails
  does not stop the others; the summary on stderr names each failure (exit status 1 when any host failed).
  attach xdp|tc ... --rollout canary [--health-ping ADDR] [--wave N]: one host first, then waves of N (default
    --parallel); each host's dead-man switch armed (--confirm-within, default 15 s), ADDR pinged from each host;
    the first failure stops the rollout and detaches what it attached.
  trace --source packet-path [--netns-scope own|all] [-w FILE [--snaplen N]]: one path per packet across the hosts
    (clock offsets stated); own: each host reports only hops in its agent's network namespace; -w: the hops also
    into one pcapng, one interface per host and interface (R/eth0), times on this machine's clock.

Options for every command: --json (machine-readable output), -v/--verbose (details of a failure), -h/--help.
--host: \`local\` (this machine, no SSH), an ssh_config alias, or user@host[:port]; default $EBPF_NETDEBUG_HOST.
  --accept-new-host-key: record a host key never seen before (a CHANGED key is always refused, with both
  fingerprints); passphrases and passwords are asked on the terminal without echo.
  --bpftool PATH: the bpftool the agent runs on the host (default: the newest it finds).
  --sudo-password-stdin: when the login is not root and its sudo wants a password, read it from the first line of
  standard input (otherwise it is asked on the terminal). It goes to the host's \`sudo -S\` on stdin only.
  Over SSH the agent is deployed under ~/.cache/ebpf-netdebug on the host ($EBPF_NETDEBUG_REMOTE_BASE: another
  directory relative to the login's home).
Exit status: 0 success, 1 failure, 2 wrong usage; the reason is one line on stderr.
`;
