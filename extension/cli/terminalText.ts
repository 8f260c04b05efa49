// Text the CLI prints comes partly from the kernel and from programs the user did not write: trace_pipe lines
// (bpf_printk of any loaded program), task names, tool stderr, names of other people's programs and maps. A terminal
// obeys escape sequences in it (retitle the window, rewrite what was printed above, on some terminals even answer
// back into the input), so every text line written to the terminal goes through here first. The CLI's own screen
// control (`top` redrawing) goes through CliIo.clearScreen instead, never through text.

/** ESC sequences (CSI, OSC up to BEL or ST, two-byte ones), C1 controls, and C0 controls but tab and newline. */
// (an unterminated OSC/DCS string ends at the line's end here, so text after it on later lines survives)
const ESCAPES =
  /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|[PX^_][^\x1b\n]*(?:\x1b\\)?|[ -~])|[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/g;

/** `text` with terminal escape sequences and control characters removed (newlines and tabs kept). */
export function stripTerminalEscapes(text: string): string {
  return text.replace(ESCAPES, '');
}
