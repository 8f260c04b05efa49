// Client authentication in OpenSSH's order: ssh-agent keys, then identity files (asking for a passphrase through
// the prompt callback when a key is encrypted), then keyboard-interactive and password through the same callback.
// Secrets only pass through memory; nothing here logs them.
import { readFileSync } from 'node:fs';
import { utils, type AnyAuthMethod, type AuthHandlerMiddleware, type AuthenticationType, type ParsedKey } from 'ssh2';
import type { ResolvedHost } from './sshConfig';

export interface PromptRequest {
  kind: 'passphrase' | 'password' | 'keyboard-interactive';
  /** The host label and user, e.g. "root@lab (127.0.0.1:2222)". */
  target: string;
  /** What to show, e.g. "Enter passphrase for key '/home/u/.ssh/id_ed25519':" */
  message: string;
  /** false for secrets: the UI must not echo what the user types. */
  echo: boolean;
}

/** Answers a prompt; undefined = the user cancelled (that method is skipped). */
export type Prompt = (req: PromptRequest) => Promise<string | undefined>;

const MAX_PASSPHRASE_TRIES = 3;

function loadKey(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined; // OpenSSH silently skips identity files that do not exist
  }
}

async function parseWithPassphrase(file: string, data: Buffer, target: string, prompt: Prompt | undefined): Promise<ParsedKey | undefined> {
  const first = utils.parseKey(data);
  if (!(first instanceof Error)) return Array.isArray(first) ? first[0] : first;
  if (!/passphrase|encrypted/i.test(first.message) || !prompt) return undefined;
  for (let i = 0; i < MAX_PASSPHRASE_TRIES; i++) {
    const pass = await prompt({ kind: 'passphrase', target, message: `Enter passphrase for key '${file}':`, echo: false });
    if (pass === undefined) return undefined;
    const k = utils.parseKey(data, pass);
    if (!(k instanceof Error)) return Array.isArray(k) ? k[0] : k;
  }
  return undefined;
}

/** An ssh2 authHandler trying, in order, what `host` allows; `prompt` answers passphrases and passwords. */
export function makeAuthHandler(host: ResolvedHost, prompt: Prompt | undefined): AuthHandlerMiddleware {
  const target = `${host.user}@${host.label} (${host.hostName}:${host.port})`;
  type Step = () => Promise<AnyAuthMethod | undefined>;
  const steps: { type: AuthenticationType; make: Step }[] = [];
  if (host.agentSocket && !host.identitiesOnly) {
    const sock = host.agentSocket;
    steps.push({ type: 'publickey', make: async () => ({ type: 'agent', username: host.user, agent: sock }) });
  }
  for (const file of host.identityFiles) {
    steps.push({
      type: 'publickey',
      make: async () => {
        const data = loadKey(file);
        if (!data) return undefined;
        const key = await parseWithPassphrase(file, data, target, prompt);
        return key ? { type: 'publickey', username: host.user, key } : undefined;
      },
    });
  }
  if (prompt) {
    steps.push({
      type: 'keyboard-interactive',
      make: async () => ({
        type: 'keyboard-interactive',
        username: host.user,
        prompt: (_name, instructions, _lang, prompts, finish) => {
          void (async () => {
            const answers: string[] = [];
            for (const p of prompts) {
              const a = await prompt({
                kind: 'keyboard-interactive',
                target,
                message: [instructions, p.prompt].filter(Boolean).join('\n'),
                echo: !!p.echo,
              });
              if (a === undefined) {
                finish([]);
                return;
              }
              answers.push(a);
            }
            finish(answers);
          })();
        },
      }),
    });
    steps.push({
      type: 'password',
      make: async () => {
        const pw = await prompt({ kind: 'password', target, message: `${host.user}@${host.hostName}'s password:`, echo: false });
        return pw === undefined ? undefined : { type: 'password', username: host.user, password: pw };
      },
    });
  }
  let i = 0;
  return (methodsLeft, _partial, next) => {
    void (async () => {
      while (i < steps.length) {
        const step = steps[i++];
        // First call: methodsLeft is null (we do not know yet what the server accepts).
        if (methodsLeft && !methodsLeft.includes(step.type)) continue;
        const m = await step.make().catch(() => undefined);
        if (m) {
          next(m);
          return;
        }
      }
      next(false as unknown as AuthenticationType);
    })();
  };
}
