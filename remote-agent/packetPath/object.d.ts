// BPF objects imported by the agent bundle: esbuild's 'binary' loader (scripts/build.mjs) turns them into bytes.
declare module '*.o' {
  const bytes: Uint8Array;
  export default bytes;
}
