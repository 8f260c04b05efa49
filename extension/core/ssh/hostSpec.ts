// What the user typed as a host: an ssh_config alias, `host`, `user@host`, `host:port`, `user@host:port`, or an IPv6
// literal in brackets (`user@[fe80::1]:2222`). Parsed strictly so a typo is an error naming the bad part instead of
// a connection attempt to some other place.

export interface HostSpec {
  /** The name looked up in ssh_config (`Host` patterns match this, like OpenSSH's command-line host). */
  host: string;
  user?: string;
  port?: number;
}

const HOST_RE = /^[A-Za-z0-9_.%-]+$/; // names, IPv4, aliases; '%' allows scoped IPv6 inside brackets only
const USER_RE = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/;

export function parseHostSpec(spec: string): HostSpec {
  if (typeof spec !== 'string' || spec.trim() === '') throw new Error('host: empty; give an ssh_config alias or user@host[:port]');
  const text = spec.trim();
  let user: string | undefined;
  let rest = text;
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    user = text.slice(0, at);
    rest = text.slice(at + 1);
    if (!USER_RE.test(user)) throw new Error(`host: bad user name ${JSON.stringify(user)} in ${JSON.stringify(spec)}`);
  }
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new Error(`host: unclosed '[' in ${JSON.stringify(spec)}`);
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':'))
      throw new Error(`host: unexpected ${JSON.stringify(after)} after ']' in ${JSON.stringify(spec)}`);
    if (after) portText = after.slice(1);
    if (!/^[0-9A-Fa-f:.%a-z0-9]+$/.test(host)) throw new Error(`host: bad address ${JSON.stringify(host)} in ${JSON.stringify(spec)}`);
  } else {
    const colon = rest.indexOf(':');
    host = colon >= 0 ? rest.slice(0, colon) : rest;
    if (colon >= 0) portText = rest.slice(colon + 1);
    if (!HOST_RE.test(host) || host.includes('%'))
      throw new Error(`host: bad host name ${JSON.stringify(host)} in ${JSON.stringify(spec)}`);
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw new Error(`host: bad port ${JSON.stringify(portText)} in ${JSON.stringify(spec)} (1-65535)`);
    }
    port = Number(portText);
  }
  return { host, user, port };
}
