// A packet's path as the client shows it: the tracer's hop events (protocol PacketPathEvent) grouped per packet.
// The shape is plain data shared with the CLI's JSON and the webview, so it is declared once in protocol/types.ts.
export type { PacketHop, PacketPath } from '../../../protocol/types';
