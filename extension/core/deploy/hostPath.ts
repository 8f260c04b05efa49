// The first line of every script deployment sends: the base tools (id, uname, sha256sum, tar, gzip, mkdir, rm ...)
// are found in the usual places even when a restricted login PATH lacks them. Appended, so the login's own
// directories keep precedence; the probe keeps the login's PATH ($lp) to decide which Node.js is the host's.
export const PATH_LINE = 'lp=$PATH; PATH="$PATH:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"; export PATH';
