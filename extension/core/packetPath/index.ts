// The packet path tracer's client side: the filter parser and the grouping/formatting of hop events.
export { parsePacketFilter, formatPacketFilter, PacketFilterError } from './filter';
export { groupPacketPaths, PacketPathGrouper, packetKey, SAME_PACKET_WINDOW_NS } from './grouping';
export { formatPacketPaths, packetPathsJson, dropText } from './format';
export { PacketPathPcapng, packetPathsToPcapng } from './pcapng';
export { PacketPathRows, hopRow } from './rows';
export type { PacketPath, PacketHop } from './types';
