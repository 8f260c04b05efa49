import assert from 'node:assert/strict';
import { it } from 'node:test';
import { bpftoolFeatures, compareVersions, parseBpftoolVersion, parseToolVersion } from '../../../remote-agent/parsers/versions';

it('bpftool -j version of 7.1 and 7.5 as printed here', () => {
  assert.deepEqual(
    parseBpftoolVersion('{"version":"7.1.0","libbpf_version":"1.1","features":{"libbfd":false,"libbpf_strict":true,"skeletons":false}}'),
    { version: '7.1.0', libbpfVersion: '1.1' },
  );
  assert.deepEqual(parseBpftoolVersion('bpftool v7.5.0\nusing libbpf v1.5\nfeatures:\n'), { version: '7.5.0', libbpfVersion: '1.5' });
});

it('features by version and kernel', () => {
  assert.deepEqual(bpftoolFeatures('7.1.0', '6.18.44-fc-v669'), { autoattach: false, tcx: false, netShowTcx: false });
  assert.deepEqual(bpftoolFeatures('7.5.0', '6.18.44-fc-v669'), { autoattach: true, tcx: true, netShowTcx: true });
  assert.equal(bpftoolFeatures('7.5.0', '6.1.0-13-amd64').tcx, false, 'tcx needs kernel >= 6.6');
  assert.ok(compareVersions('7.10.0', '7.5.0') > 0);
});

it('tool versions', () => {
  assert.equal(parseToolVersion('bpftrace v0.17.0\n'), '0.17.0');
  assert.equal(parseToolVersion('Debian clang version 14.0.6\nTarget: x86_64-pc-linux-gnu'), '14.0.6');
});
