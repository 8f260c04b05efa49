// The VS Code-free modules of extension/vscode/ that these tests exercise with plain `node --test` (they import no
// 'vscode', so they load outside VS Code; ../shared/docs/STYLE.md #1).
export * as model from '../../../extension/vscode/tree/model';
export type { SnapshotSource } from '../../../extension/vscode/tree/model';
export * as settings from '../../../extension/vscode/settingsModel';
export * as clangdConfig from '../../../extension/vscode/language/clangdConfig';
export * as detachChoice from '../../../extension/vscode/tree/detachChoice';
export * as hosts from '../../../extension/vscode/hostsModel';
