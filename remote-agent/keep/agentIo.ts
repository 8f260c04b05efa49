// Where an agent speaks JSON-RPC: its stdin and stdout, or the connection a kept agent handed it (readyAgent.ts).
import type { Readable, Writable } from 'node:stream';

export interface AgentIo {
  input: Readable;
  output: Writable;
}
