// Which hosts a fleet command reaches: --hosts lists, ssh_config Host patterns, Ansible INI and YAML inventories
// (groups, children, vars, ranges, --limit), and the errors a typo gets instead of a smaller fleet.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectFormat, InventoryError, parseHostList, parseInventory, sshConfigAliases } from '../../../extension/core/fleet/inventory';

const SSH_CONFIG = `Host *
  ServerAliveInterval 5
Host web-1 web-2
  User root
Host db-1 !db-2 *.lab
  Port 2222
Host web-1
  HostName 10.0.0.1
`;

describe('--hosts', () => {
  it('keeps specs as given, in order, and expands ssh_config Host patterns', () => {
    assert.deepEqual(parseHostList('local, root@10.0.0.9:2222,db-1'), [
      { name: 'local', spec: 'local' },
      { name: 'root@10.0.0.9:2222', spec: 'root@10.0.0.9:2222' },
      { name: 'db-1', spec: 'db-1' },
    ]);
    assert.deepEqual(
      parseHostList('web-*', SSH_CONFIG).map((h) => h.name),
      ['web-1', 'web-2'],
    );
    assert.deepEqual(sshConfigAliases(SSH_CONFIG), ['web-1', 'web-2', 'db-1']);
  });

  it('refuses empty items, duplicates, bad specs and patterns matching nothing', () => {
    assert.throws(() => parseHostList('a,,b'), /without empty items/);
    assert.throws(() => parseHostList('a,a'), /a is given twice/);
    assert.throws(() => parseHostList('bad host'), InventoryError);
    assert.throws(() => parseHostList('-oProxyCommand=x'), /bad host name/);
    assert.throws(() => parseHostList('mail-*', SSH_CONFIG), /matches no Host/);
  });
});

describe('Ansible INI inventory', () => {
  const INI = `# the lab
bastion ansible_host=192.0.2.1

[web]
web[01:03] ansible_user=deploy
[db]
db1 ansible_host=10.1.0.5 ansible_port=2200
[db:vars]
ansible_user=dba
[prod:children]
web
db
[all:vars]
ansible_port=22
`;
  it('reads groups, ranges, host and group vars into specs', () => {
    const hosts = parseInventory('hosts.ini', INI);
    assert.deepEqual(hosts, [
      { name: 'bastion', spec: '192.0.2.1:22' },
      { name: 'web01', spec: 'deploy@web01:22' },
      { name: 'web02', spec: 'deploy@web02:22' },
      { name: 'web03', spec: 'deploy@web03:22' },
      { name: 'db1', spec: 'dba@10.1.0.5:2200' },
    ]);
  });
  it('--limit picks groups (children included) and hosts, with globs', () => {
    assert.deepEqual(
      parseInventory('hosts.ini', INI, 'db').map((h) => h.name),
      ['db1'],
    );
    assert.deepEqual(
      parseInventory('hosts.ini', INI, 'prod').map((h) => h.name),
      ['web01', 'web02', 'web03', 'db1'],
    );
    assert.deepEqual(parseInventory('hosts.ini', INI, 'web0*').length, 3);
    assert.deepEqual(
      parseInventory('hosts.ini', INI, 'bastion,db1').map((h) => h.name),
      ['bastion', 'db1'],
    );
    assert.throws(() => parseInventory('hosts.ini', INI, 'nope'), /nope matches no group or host/);
  });
  it('names the line of a bad entry', () => {
    assert.throws(() => parseInventory('h.ini', '[web]\nweb1 ansible_user\n'), /h\.ini:2: expected NAME=VALUE/);
    assert.throws(() => parseInventory('h.ini', '[web\n'), /h\.ini:1: bad section header/);
    assert.throws(() => parseInventory('h.ini', 'x ansible_host=a;b\n'), /host x: host: bad host name/);
  });
});

describe('Ansible YAML inventory', () => {
  const YAML = `all:
  vars:
    ansible_user: ops
  hosts:
    edge:
      ansible_host: 2001:db8::1
  children:
    routers:
      hosts:
        r1: { ansible_host: 10.9.0.1, ansible_port: 2022 }
        r2:
    servers:
      vars: { ansible_user: root }
      hosts:
        srv[1:2]:
`;
  it('reads nested groups, inherits vars, brackets IPv6', () => {
    assert.equal(detectFormat('inv.yml', YAML), 'yaml');
    assert.deepEqual(parseInventory('inv.yml', YAML), [
      { name: 'edge', spec: 'ops@[2001:db8::1]' },
      { name: 'r1', spec: 'ops@10.9.0.1:2022' },
      { name: 'r2', spec: 'ops@r2' },
      { name: 'srv1', spec: 'root@srv1' },
      { name: 'srv2', spec: 'root@srv2' },
    ]);
    assert.deepEqual(
      parseInventory('inv.yml', YAML, 'routers').map((h) => h.name),
      ['r1', 'r2'],
    );
  });
  it('refuses what is not an inventory', () => {
    assert.throws(() => parseInventory('x.yaml', 'all: [1, 2'), /not valid YAML/);
    assert.throws(() => parseInventory('x.yaml', 'all:\n  hostz:\n    a:\n'), /unexpected key hostz/);
    assert.throws(() => parseInventory('x.yaml', 'all:\n  hosts: {}\n'), /no hosts/);
  });
});

describe('ssh_config as an inventory', () => {
  it('lists concrete aliases; --limit globs them', () => {
    assert.equal(detectFormat('config', SSH_CONFIG), 'ssh_config');
    assert.deepEqual(
      parseInventory('config', SSH_CONFIG).map((h) => h.spec),
      ['web-1', 'web-2', 'db-1'],
    );
    assert.deepEqual(
      parseInventory('config', SSH_CONFIG, 'db-*').map((h) => h.spec),
      ['db-1'],
    );
  });
});
