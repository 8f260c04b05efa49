// `ebpf-netdebug inspect FILE.o|FILE.bpf.c`: what is inside a BPF object, without loading it: a `readelf -h` style
// header (Machine: Linux BPF), the sections, the programs with their section and inferred type, the maps from
// BTF, the global variables (knobs settable with --set), license and BTF presence. A .bpf.c is compiled first.
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { compileForHost, localTarget } from '../../core/compile/compileForHost';
import { formatDiagnostic } from '../../core/compile/diagnostics';
import { readBpfObject, type BpfObjectInfo, type ObjectGlobal } from '../../core/elf/bpfObject';
import { ElfFormatError } from '../../core/elf/elfFile';
import { commonOptions, exactlyOne, parseCommand } from '../args';
import { CliError } from '../cliError';
import type { CliContext } from '../io';
import { keyValues, printJson, table } from '../output';

export async function inspectCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand('inspect', argv, { ...commonOptions, 'no-sections': { type: 'boolean' } });
  const file = exactlyOne('inspect', 'an object file (FILE.o) or source (FILE.bpf.c)', positionals);
  const bytes = await objectBytes(file, ctx);
  let info: BpfObjectInfo;
  try {
    info = readBpfObject(bytes);
  } catch (e) {
    if (e instanceof ElfFormatError) throw new CliError(`inspect: ${file}: ${e.message}`);
    throw e;
  }
  if (values.json) {
    printJson(ctx.io, { file, ...info, header: { ...info.header, ident: Buffer.from(info.header.ident).toString('hex') } });
  } else {
    ctx.io.out(formatObject(info, { sections: !values['no-sections'] }));
  }
  return 0;
}

async function objectBytes(file: string, ctx: CliContext): Promise<Buffer> {
  if (!file.endsWith('.c')) {
    try {
      return await readFile(file);
    } catch (e) {
      throw new CliError(
        `inspect: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      );
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'ebpf-netdebug-inspect-'));
  try {
    const r = await compileForHost({ source: file, output: join(dir, basename(file).replace(/(\.bpf)?\.c$/, '.o')), host: localTarget() });
    if (!r.ok) {
      for (const d of r.diagnostics) ctx.io.out(`${formatDiagnostic(d)}\n`);
      throw new CliError(`inspect: ${file} does not compile`, 1, r.stderr);
    }
    return await readFile(r.output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatObject(info: BpfObjectInfo, opts: { sections: boolean }): string {
  const h = info.header;
  const hex = (n: number | bigint) => `0x${n.toString(16)}`;
  const parts: string[] = [];
  parts.push(
    'ELF Header:\n' +
      keyValues(
        [
          ['Magic', [...h.ident].map((b) => b.toString(16).padStart(2, '0')).join(' ')],
          ['Class', info.headerText.class],
          ['Data', info.headerText.data],
          ['Version', `${h.identVersion}${h.identVersion === 1 ? ' (current)' : ''}`],
          ['OS/ABI', info.headerText.osAbi],
          ['ABI Version', h.abiVersion],
          ['Type', info.headerText.type],
          ['Machine', info.headerText.machine],
          ['Version', hex(h.version)],
          ['Entry point address', hex(h.entry)],
          ['Start of program headers', `${h.phoff} (bytes into file)`],
          ['Start of section headers', `${h.shoff} (bytes into file)`],
          ['Flags', hex(h.flags)],
          ['Size of this header', `${h.ehsize} (bytes)`],
          ['Size of program headers', `${h.phentsize} (bytes)`],
          ['Number of program headers', h.phnum],
          ['Size of section headers', `${h.shentsize} (bytes)`],
          ['Number of section headers', h.shnum],
          ['Section header string table index', h.shstrndx],
        ],
        { indent: '  ', width: 35 },
      ),
  );
  if (opts.sections) {
    parts.push(
      'Sections:\n' +
        table(
          ['NR', 'NAME', 'TYPE', 'OFFSET', 'SIZE', 'FLAGS'],
          info.sections.map((s) => [s.index, s.name, s.type, hex(s.offset), s.size, s.flags]),
          { indent: '  ' },
        ),
    );
  }
  parts.push(
    'Programs:\n' +
      (info.programs.length
        ? table(
            ['NAME', 'SECTION', 'TYPE', 'ATTACH', 'INSNS'],
            info.programs.map((p) => [
              p.name,
              p.section,
              p.programType ?? '(unknown section)',
              p.attachKind ?? p.attachType,
              p.instructions,
            ]),
            { indent: '  ' },
          )
        : '  (none)\n'),
  );
  parts.push(
    'Maps:\n' +
      (info.maps.length
        ? table(
            ['NAME', 'TYPE', 'KEY', 'VALUE', 'MAX_ENTRIES', 'FLAGS'],
            info.maps.map((m) => [
              m.name,
              m.type,
              sizeWithType(m.keySize, m.keyType),
              sizeWithType(m.valueSize, m.valueType),
              m.maxEntries || (m.type === 'perf_event_array' ? 'ncpus' : 0),
              m.flags ? hex(m.flags) : 0,
            ]),
            { indent: '  ' },
          )
        : '  (none)\n'),
  );
  if (info.globals.length) {
    parts.push(
      'Globals:\n' +
        table(
          ['NAME', 'SECTION', 'TYPE', 'VALUE'],
          info.globals.map((g) => [g.name, g.section, g.type, globalValue(g, h.littleEndian)]),
          { indent: '  ' },
        ),
    );
  }
  parts.push(
    keyValues([
      ['License', info.license ?? '(none: the kernel refuses GPL-only helpers)'],
      [
        'BTF',
        info.btf ? `yes${info.btfExt ? ' (.BTF.ext: yes, line info for verifier messages)' : ' (.BTF.ext: no)'}` : 'no (compile with -g)',
      ],
    ]),
  );
  for (const w of info.warnings) parts.push(`warning: ${w}\n`);
  return parts.join('\n');
}

function sizeWithType(size: number, type?: string): string {
  return type ? `${size} (${type})` : String(size);
}

/** Initial value of a global, as a number when it is an integer of 1-8 bytes, else hex; .bss is zero. */
function globalValue(g: ObjectGlobal, le: boolean): string {
  if (!g.initial) return '0 (.bss)';
  const b = Buffer.from(g.initial);
  if (/char\[\d+\]$/.test(g.type)) return JSON.stringify(b.toString('latin1').replace(/\0+$/, ''));
  if ([1, 2, 4, 8].includes(g.size) && !/[[*]|struct|union/.test(g.type)) {
    const signed = /\b(__s\d+|s\d+|int|long|char|short)\b/.test(g.type) && !/unsigned|__u|\bu\d/.test(g.type);
    const v =
      g.size === 8
        ? signed
          ? le
            ? b.readBigInt64LE()
            : b.readBigInt64BE()
          : le
            ? b.readBigUInt64LE()
            : b.readBigUInt64BE()
        : signed
          ? le
            ? b.readIntLE(0, g.size)
            : b.readIntBE(0, g.size)
          : le
            ? b.readUIntLE(0, g.size)
            : b.readUIntBE(0, g.size);
    return String(v);
  }
  return b.toString('hex');
}
