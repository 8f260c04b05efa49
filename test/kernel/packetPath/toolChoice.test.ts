// Which way the tracer attaches on a host, from the host's real tools: bpftool 7.5 -> autoattach, 7.1 -> bpftrace,
// and a host with neither gets an error that says what to install (and attaches nothing).
import './objectLoader';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AgentErrorCode } from '../../../protocol/agent';
import { AgentError } from '../../../remote-agent/core/errors';
import { startPacketPath } from '../../../remote-agent/packetPath';
import { TRACERS_DIR } from '../../../remote-agent/packetPath/tracerDirs';
import { backendOptions, BPFTOOL_71 } from './scenarios';

const ourDirs = () => (existsSync(TRACERS_DIR) ? readdirSync(TRACERS_DIR).filter((d) => d.startsWith(`${process.pid}_`)) : []);

describe('tracer backend choice', { timeout: 60_000 }, () => {
  it('uses autoattach with bpftool 7.5 and bpftrace with 7.1', async () => {
    for (const backend of ['bpftool', 'bpftrace'] as const) {
      const t = await startPacketPath({ ...backendOptions(backend), filter: { protocol: 'udp', port: 9 } }, () => undefined);
      try {
        assert.equal(t.backend, backend);
        assert.equal(Boolean(t.pinDir), backend === 'bpftool', 'only the bpftool tracer pins anything');
      } finally {
        await t.stop();
      }
    }
    assert.deepEqual(ourDirs(), []);
  });

  it('says what to install when the host has neither a bpftool that autoattaches nor bpftrace', async () => {
    const bpftool71 = backendOptions('bpftrace').bpftool;
    await assert.rejects(
      startPacketPath({ filter: {}, bpftool: bpftool71, bpftrace: null }, () => undefined),
      (err: unknown) =>
        err instanceof AgentError &&
        err.code === AgentErrorCode.ToolMissing &&
        /bpftool >= 7\.2/.test(err.message) &&
        /bpftrace/.test(err.message) &&
        err.message.includes(BPFTOOL_71),
    );
    await assert.rejects(
      startPacketPath({ filter: {}, bpftool: null, bpftrace: { path: '/nonexistent/bpftrace' } }, () => undefined),
      (err: unknown) => err instanceof AgentError && err.code === AgentErrorCode.ToolMissing && /no bpftool/.test(err.message),
    );
    assert.deepEqual(ourDirs(), []);
  });
});
