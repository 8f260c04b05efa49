// The pcapng writer (see writer.ts for the API): blocks, options and a streaming writer, no VS Code.
export { PcapngWriter, writerFor, buildPcapng } from './writer';
export type { PcapngInterface, PcapngPacket, PcapngSectionInfo, PcapngSink } from './writer';
export { LINKTYPE, type LinkType } from './blocks';
export { VERDICT_TYPE, type VerdictType } from './options';
