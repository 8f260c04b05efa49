// The VS Code side of package.json: "main", "activationEvents" and "contributes". This file is their source of
// truth; `node extension/vscode/manifest/apply.mjs` writes them into package.json (which npm also writes, so nobody
// edits those keys by hand). test/unit/vscode-model/manifest.test.ts checks that package.json is in sync.

const category = 'eBPF';
const bpfC = 'resourceFilename =~ /\\.bpf\\.c$/';
const connected = 'ebpfNetDebug.connected';

/** Commands: id suffix -> title (+ icon). Ids marked webview are handled by extension/vscode/webviews/. */
const commandList = [
  ['attachXdpEth0', 'Attach XDP to eth0', '$(debug-start)'],
  ['attachXdp', 'Attach XDP Program to Interface...'],
  ['attachTc', 'Attach tc Program...'],
  ['attachSockops', 'Attach sock_ops / sk_msg...'],
  ['detach', 'Detach', '$(debug-disconnect)'],
  ['compile', 'Compile BPF Program', '$(tools)'],
  ['loadObject', 'Load BPF Object...'],
  ['connect', 'Connect to Host...', '$(plug)'],
  ['connectAll', 'Connect to All Hosts', '$(vm-connect)'],
  ['disconnect', 'Disconnect'],
  ['cleanHost', 'Clean Host...'],
  ['createLab', 'Create Lab...', '$(beaker)'],
  ['destroyLab', 'Destroy Lab'],
  ['refresh', 'Refresh', '$(refresh)'],
  ['showXlated', 'Show Translated Instructions with Source'],
  ['unpin', 'Unpin'],
  ['showLog', 'Show Log'],
  ['captureVerdicts', 'Capture Verdicts...', '$(record)'],
  ['rolloutAttach', 'Roll Out to Hosts...', '$(rocket)'],
  ['tracePacketPathAcrossHosts', 'Trace Packet Path Across Hosts...', '$(type-hierarchy)'],
  // Handled by the webview side (extension/vscode/webviews/index.ts).
  ['showLiveTrace', 'Show Live Trace', '$(pulse)'],
  ['tracePacketPath', 'Trace Packet Path...', '$(git-compare)'],
  ['inspectObject', 'Inspect Object (readelf)'],
  ['compareHosts', 'Compare Two Hosts...'],
  ['showPrograms', 'Show Programs'],
  ['showNetwork', 'Show Network'],
  ['showMaps', 'Show Maps'],
  ['dumpMap', 'Dump Map'],
  ['runOnPacket', 'Run Program on Packet...', '$(play)'],
  ['showProgramStats', 'Show Program Statistics', '$(dashboard)'],
];

const commands = commandList.map(([id, title, icon]) => ({
  command: `ebpfNetDebug.${id}`,
  title,
  category,
  ...(icon ? { icon } : {}),
}));

/** Commands that only make sense with a tree item or an argument stay out of the palette. */
const hiddenFromPalette = ['unpin', 'showXlated', 'destroyLab', 'dumpMap'];

const treeItem = (ctx) => `view == ebpfNetDebug.hosts && viewItem =~ /${ctx}/`;

export const manifest = {
  main: './dist/extension.js',
  // Restricted Mode (an untrusted folder): the extension runs, but the settings that start programs or name files
  // are taken from user settings only (they are machine-scoped anyway). Virtual workspaces have no local files
  // for clang and no processes to run, so the extension stays off there.
  capabilities: {
    untrustedWorkspaces: {
      supported: 'limited',
      description:
        'In Restricted Mode the hosts, clang/clangd paths, compile flags and the dead-man switch come from user settings only; nothing a workspace sets in .vscode/settings.json starts a program.',
      restrictedConfigurations: [
        'ebpfNetDebug.hosts',
        'ebpfNetDebug.confirmWithin',
        'ebpfNetDebug.compile.clangPath',
        'ebpfNetDebug.compile.extraFlags',
        'ebpfNetDebug.clangd.path',
        'ebpfNetDebug.runtimeDir',
      ],
    },
    virtualWorkspaces: { supported: false, description: 'Compiling and attaching need local files and processes.' },
  },
  activationEvents: [
    'workspaceContains:**/*.bpf.c',
    'onView:ebpfNetDebug.hosts',
    'onView:ebpfNetDebug.liveTrace',
    'onWalkthrough:ebpfNetDebug.gettingStarted',
    ...commands.map((c) => `onCommand:${c.command}`),
  ],
  contributes: {
    commands,
    viewsContainers: {
      activitybar: [{ id: 'ebpfNetDebug', title: 'eBPF', icon: 'media/ebpf.svg' }],
      panel: [{ id: 'ebpfNetDebugPanel', title: 'eBPF Trace', icon: 'media/ebpf.svg' }],
    },
    views: {
      ebpfNetDebug: [{ id: 'ebpfNetDebug.hosts', name: 'Hosts', icon: 'media/ebpf.svg', contextualTitle: 'eBPF' }],
      ebpfNetDebugPanel: [{ id: 'ebpfNetDebug.liveTrace', name: 'eBPF Trace', type: 'webview' }],
    },
    viewsWelcome: [
      {
        view: 'ebpfNetDebug.hosts',
        contents:
          'No host configured yet.\n[Connect to Host...](command:ebpfNetDebug.connect)\nHosts come from the setting `ebpfNetDebug.hosts` or any alias of ~/.ssh/config.',
      },
    ],
    menus: {
      commandPalette: [...hiddenFromPalette.map((id) => ({ command: `ebpfNetDebug.${id}`, when: 'false' }))],
      'view/title': [
        { command: 'ebpfNetDebug.refresh', when: 'view == ebpfNetDebug.hosts', group: 'navigation@1' },
        { command: 'ebpfNetDebug.connect', when: 'view == ebpfNetDebug.hosts', group: 'navigation@2' },
        { command: 'ebpfNetDebug.connectAll', when: 'view == ebpfNetDebug.hosts', group: '1_hosts' },
        { command: 'ebpfNetDebug.attachXdpEth0', when: `view == ebpfNetDebug.hosts && ${connected}`, group: 'navigation@3' },
        { command: 'ebpfNetDebug.createLab', when: 'view == ebpfNetDebug.hosts', group: '2_lab' },
        { command: 'ebpfNetDebug.showLog', when: 'view == ebpfNetDebug.hosts', group: '9_log' },
      ],
      'view/item/context': [
        { command: 'ebpfNetDebug.connect', when: treeItem('host-disconnected'), group: 'inline' },
        { command: 'ebpfNetDebug.disconnect', when: treeItem('host-connected'), group: '1_host' },
        { command: 'ebpfNetDebug.refresh', when: treeItem('host-connected'), group: 'inline' },
        { command: 'ebpfNetDebug.detach', when: treeItem('attachment'), group: 'inline' },
        { command: 'ebpfNetDebug.detach', when: treeItem('attachment'), group: '1_attach' },
        { command: 'ebpfNetDebug.captureVerdicts', when: treeItem('attachment'), group: '1_attach@3' },
        { command: 'ebpfNetDebug.attachXdp', when: treeItem('interface'), group: '1_attach@1' },
        { command: 'ebpfNetDebug.attachTc', when: treeItem('interface'), group: '1_attach@2' },
        { command: 'ebpfNetDebug.showXlated', when: treeItem('program'), group: '1_program@1' },
        { command: 'ebpfNetDebug.detach', when: treeItem('program-attached'), group: '1_program@2' },
        { command: 'ebpfNetDebug.unpin', when: treeItem('pinned'), group: '1_program@3' },
        { command: 'ebpfNetDebug.runOnPacket', when: treeItem('program'), group: '1_program@4' },
        { command: 'ebpfNetDebug.showProgramStats', when: treeItem('host-connected'), group: '1_host' },
        { command: 'ebpfNetDebug.rolloutAttach', when: treeItem('host-'), group: '2_fleet' },
        { command: 'ebpfNetDebug.tracePacketPathAcrossHosts', when: treeItem('host-connected'), group: '2_fleet' },
        { command: 'ebpfNetDebug.dumpMap', when: treeItem('map'), group: '1_map' },
        { command: 'ebpfNetDebug.destroyLab', when: treeItem('lab'), group: '1_lab' },
        { command: 'ebpfNetDebug.createLab', when: treeItem('labs'), group: 'inline' },
      ],
      'explorer/context': [
        { command: 'ebpfNetDebug.inspectObject', when: 'resourceExtname == .o', group: 'ebpf@1' },
        { command: 'ebpfNetDebug.attachXdp', when: 'resourceExtname == .o', group: 'ebpf@2' },
        { command: 'ebpfNetDebug.compile', when: bpfC, group: 'ebpf@1' },
        { command: 'ebpfNetDebug.attachXdpEth0', when: bpfC, group: 'ebpf@2' },
      ],
      'editor/title': [
        { command: 'ebpfNetDebug.compile', when: bpfC, group: 'navigation@1' },
        { command: 'ebpfNetDebug.attachXdpEth0', when: `${bpfC} && ${connected}`, group: 'navigation@2' },
      ],
      'editor/context': [
        { command: 'ebpfNetDebug.compile', when: bpfC, group: 'ebpf@1' },
        { command: 'ebpfNetDebug.attachXdpEth0', when: bpfC, group: 'ebpf@2' },
      ],
    },
    configuration: {
      title: 'eBPF Network Debugger',
      properties: {
        // scope machine: settings that name an executable, flags, a key or a file (or switch the dead-man switch
        // off) are read from user (or remote machine) settings only; a workspace's .vscode/settings.json cannot set
        // them (docs/extension.md "Workspace trust").
        'ebpfNetDebug.hosts': {
          type: 'array',
          scope: 'machine',
          default: [],
          markdownDescription: 'Hosts to debug. `target` is `local`, an alias of ~/.ssh/config, or `user@host[:port]`.',
          items: {
            type: 'object',
            required: ['name', 'target'],
            properties: {
              name: { type: 'string', description: 'Name shown in the tree and the status bar.' },
              target: { type: 'string', description: 'local, an ssh_config alias, or user@host[:port].' },
              bpftoolPath: {
                type: 'string',
                description:
                  'Absolute path of bpftool on that host (default: the newest the agent finds: /opt/ebpf-netdebug/bpftool-*, /usr/sbin/bpftool, PATH).',
              },
              identityFile: { type: 'string', description: 'Private key file (default: ssh_config / agent).' },
              knownHostsFile: { type: 'string', description: 'known_hosts file (default: ~/.ssh/known_hosts).' },
              netnsScope: {
                type: 'string',
                enum: ['own', 'all'],
                default: 'all',
                markdownDescription:
                  "What this host's packet path tracer and Compare Two Hosts see: `own` only the network namespace the agent runs in (a container host, or namespace hosts sharing one kernel), `all` every namespace of its kernel.",
              },
            },
          },
        },
        'ebpfNetDebug.defaultHost': {
          type: 'string',
          default: '',
          description: 'Name of the host to connect to first (a name from ebpfNetDebug.hosts).',
        },
        'ebpfNetDebug.autoConnect': {
          type: 'boolean',
          default: true,
          description:
            'Connect to every host of ebpfNetDebug.hosts when the extension starts (in parallel, at most ebpfNetDebug.connectConcurrency at a time).',
        },
        'ebpfNetDebug.connectConcurrency': {
          type: 'number',
          default: 10,
          minimum: 1,
          maximum: 100,
          markdownDescription:
            'How many host connections are opened at once (the others wait their turn; starts are staggered): sshd refuses bursts of unauthenticated connections (`MaxStartups 10:30:100`).',
        },
        'ebpfNetDebug.xdp.defaultMode': {
          type: 'string',
          enum: ['ask', 'native', 'generic'],
          default: 'ask',
          enumDescriptions: [
            'Ask on every attach.',
            'Driver mode (falls back to asking when the driver lacks it).',
            'Generic (skb) mode, works on every interface.',
          ],
          description: 'XDP attach mode.',
        },
        'ebpfNetDebug.confirmWithin': {
          type: 'number',
          scope: 'machine',
          default: 15,
          minimum: 0,
          maximum: 600,
          markdownDescription:
            'Dead-man switch: seconds the agent waits for confirmation after an XDP/tc attach before it detaches again. `0` turns it off.',
        },
        'ebpfNetDebug.capture.snapLength': {
          type: 'number',
          default: 128,
          minimum: 0,
          maximum: 4096,
          markdownDescription:
            'Capture Verdicts: bytes of each packet recorded (from the Ethernet header). `0` records verdicts and lengths only.',
        },
        'ebpfNetDebug.packetPath.packetBytes': {
          type: 'number',
          default: 128,
          minimum: 0,
          maximum: 256,
          markdownDescription:
            'Trace Packet Path: bytes of each packet the tracer copies at every hop (from the Ethernet header, or the IP header on devices without one), for the packet list and its pcapng. `0` copies none (the path picture needs none).',
        },
        'ebpfNetDebug.trace.maxRows': {
          type: 'number',
          default: 100000,
          minimum: 100,
          maximum: 1000000,
          description: 'Rows the live trace keeps.',
        },
        'ebpfNetDebug.compile.clangPath': {
          type: 'string',
          scope: 'machine',
          default: 'clang',
          description: 'clang used to build BPF programs.',
        },
        'ebpfNetDebug.compile.extraFlags': {
          type: 'array',
          scope: 'machine',
          items: { type: 'string' },
          default: [],
          description: 'Extra clang flags (e.g. -DDEBUG).',
        },
        'ebpfNetDebug.clangd.enabled': { type: 'boolean', default: true, description: 'Language support for *.bpf.c through clangd.' },
        'ebpfNetDebug.clangd.path': { type: 'string', scope: 'machine', default: 'clangd', description: 'clangd executable.' },
        'ebpfNetDebug.runtimeDir': {
          type: 'string',
          scope: 'machine',
          default: '',
          markdownDescription:
            'A directory holding an offline or newer copy of the agent runtime (`linux-x64.tar.gz`, `linux-arm64.tar.gz` and their `.json` manifests, as `scripts/build-runtime.sh` writes them), brought to hosts without Node.js >= 18 or bpftool >= 7.5. Empty: the copy inside the extension (or `$EBPF_NETDEBUG_RUNTIME_DIR`).',
        },
      },
    },
    taskDefinitions: [
      {
        type: 'ebpf',
        required: ['file'],
        properties: {
          file: { type: 'string', description: 'The BPF C file (*.bpf.c) to compile.' },
          output: { type: 'string', description: 'Object file to write (default: next to the source, .o).' },
        },
      },
    ],
    problemMatchers: [
      {
        name: 'ebpf-clang',
        owner: 'ebpf',
        source: 'clang',
        fileLocation: ['autoDetect', '${workspaceFolder}'],
        pattern: {
          regexp: '^(.*?):(\\d+):(\\d+):\\s+(warning|error|fatal error|note):\\s+(.*)$',
          file: 1,
          line: 2,
          column: 3,
          severity: 4,
          message: 5,
        },
      },
    ],
    languages: [{ id: 'c', extensions: ['.bpf.c'] }],
    walkthroughs: [
      {
        id: 'gettingStarted',
        title: 'Debug a network with eBPF',
        description: 'Connect to a host, attach an XDP program to eth0, watch its effect.',
        steps: [
          {
            id: 'connect',
            title: 'Connect to a host',
            description:
              'Add a host to `ebpfNetDebug.hosts` (or use an ssh_config alias), then connect.\n[Connect to Host...](command:ebpfNetDebug.connect)',
            media: { markdown: 'media/walkthrough/connect.md' },
            completionEvents: ['onContext:ebpfNetDebug.connected'],
          },
          {
            id: 'compile',
            title: 'Compile a BPF program',
            description:
              'Open a *.bpf.c file and compile it; clang errors land in Problems.\n[Compile BPF Program](command:ebpfNetDebug.compile)',
            media: { markdown: 'media/walkthrough/compile.md' },
            completionEvents: ['onCommand:ebpfNetDebug.compile'],
          },
          {
            id: 'attach',
            title: 'Attach XDP to eth0',
            description:
              'Load the program on the host and attach it to eth0; it appears in the tree under Network.\n[Attach XDP to eth0](command:ebpfNetDebug.attachXdpEth0)',
            media: { markdown: 'media/walkthrough/attach.md' },
            completionEvents: ['onCommand:ebpfNetDebug.attachXdpEth0'],
          },
          {
            id: 'trace',
            title: 'Watch it',
            description: 'Open the live trace or follow a packet hop by hop.\n[Show Live Trace](command:ebpfNetDebug.showLiveTrace)',
            media: { markdown: 'media/walkthrough/trace.md' },
            completionEvents: ['onCommand:ebpfNetDebug.showLiveTrace'],
          },
        ],
      },
    ],
  },
};
