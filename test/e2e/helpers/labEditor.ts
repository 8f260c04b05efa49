// The set-up most e2e tests share: a lab host reached over SSH, a workspace holding the programs of bpf/ (plus the
// test's own files), and a private code-server configured for that host, opened in Chromium. stop() takes it all
// down in reverse order (a final screenshot first), also after a failed test.
import { startCodeServer, type CodeServer } from './codeServer';
import { createLabHost, type LabHost } from './labHost';
import { openWorkbench, type Workbench } from './workbench';
import { bpfWorkspace, type Workspace } from './workspace';

export interface LabEditor {
  lab: LabHost;
  ws: Workspace;
  cs: CodeServer;
  wb: Workbench;
}

export interface LabEditorOptions {
  /** Extra workspace files: name in the workspace -> source path. */
  files?: Record<string, string>;
  /** More ebpfNetDebug.* settings beside the lab host ones. */
  settings?: Record<string, unknown>;
}

/** Parts made so far, so stop() can undo a set-up that failed half-way. */
export class LabEditorFixture {
  private parts: Partial<LabEditor> = {};

  /** `token`: the test file's 3-character base (names of the lab and workspace); `screenshots`: its folder. */
  async start(token: string, screenshots: string, opts: LabEditorOptions = {}): Promise<LabEditor> {
    const lab = (this.parts.lab = await createLabHost(token));
    const ws = (this.parts.ws = bpfWorkspace(token, opts.files));
    const cs = (this.parts.cs = await startCodeServer({
      workspace: ws.dir,
      settings: { 'ebpfNetDebug.hosts': [{ name: 'lab', target: lab.alias }], 'ebpfNetDebug.defaultHost': 'lab', ...opts.settings },
      prepareHome: (home) => lab.installClient(home),
    }));
    const wb = (this.parts.wb = await openWorkbench(cs.url, screenshots));
    return { lab, ws, cs, wb };
  }

  async stop(): Promise<void> {
    const { wb, cs, lab, ws } = this.parts;
    if (wb) await wb.screenshot('final').catch(() => undefined);
    await wb?.close();
    if (cs && process.env.E2E_KEEP_LOG) console.log(cs.extensionLog());
    await cs?.stop();
    await lab?.destroy();
    ws?.remove();
  }
}
