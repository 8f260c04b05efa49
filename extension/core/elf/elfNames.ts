// The words `readelf -h -S` prints for ELF header fields, section types and flags, so that our inspector reads
// like the tool users already know ("Machine: Linux BPF", "Type: REL (Relocatable file)").

const machines: Record<number, string> = {
  0: 'None',
  3: 'Intel 80386',
  40: 'ARM',
  62: 'Advanced Micro Devices X86-64',
  183: 'AArch64',
  243: 'RISC-V',
  247: 'Linux BPF',
  258: 'LoongArch',
};

const types: Record<number, string> = {
  0: 'NONE (None)',
  1: 'REL (Relocatable file)',
  2: 'EXEC (Executable file)',
  3: 'DYN (Shared object file)',
  4: 'CORE (Core file)',
};

const osAbis: Record<number, string> = { 0: 'UNIX - System V', 3: 'UNIX - GNU', 9: 'UNIX - FreeBSD' };

const sectionTypes: Record<number, string> = {
  0: 'NULL',
  1: 'PROGBITS',
  2: 'SYMTAB',
  3: 'STRTAB',
  4: 'RELA',
  5: 'HASH',
  6: 'DYNAMIC',
  7: 'NOTE',
  8: 'NOBITS',
  9: 'REL',
  10: 'SHLIB',
  11: 'DYNSYM',
  14: 'INIT_ARRAY',
  15: 'FINI_ARRAY',
  16: 'PREINIT_ARRAY',
  17: 'GROUP',
  18: 'SYMTAB SECTION INDICES',
  0x6ffffff6: 'GNU_HASH',
  0x6ffffffd: 'VERDEF',
  0x6ffffffe: 'VERNEED',
  0x6fffffff: 'VERSYM',
};

export function machineName(machine: number): string {
  return machines[machine] ?? `<unknown>: 0x${machine.toString(16)}`;
}

export function elfTypeName(type: number): string {
  return types[type] ?? `<unknown>: ${type.toString(16)}`;
}

export function osAbiName(abi: number): string {
  return osAbis[abi] ?? `<unknown: ${abi.toString(16)}>`;
}

/** readelf's name for a section type; ranges it does not know are printed as LOOS+0x..., like readelf does. */
export function sectionTypeName(type: number): string {
  const known = sectionTypes[type];
  if (known) return known;
  if (type >= 0x60000000 && type <= 0x6fffffff) return `LOOS+0x${(type - 0x60000000).toString(16)}`;
  if (type >= 0x70000000 && type <= 0x7fffffff) return `LOPROC+0x${(type - 0x70000000).toString(16)}`;
  if (type >= 0x80000000 && type <= 0xffffffff) return `LOUSER+0x${(type - 0x80000000).toString(16)}`;
  return `<unknown>: ${type.toString(16)}`;
}

const flagLetters: [bigint, string][] = [
  [0x1n, 'W'],
  [0x2n, 'A'],
  [0x4n, 'X'],
  [0x10n, 'M'],
  [0x20n, 'S'],
  [0x40n, 'I'],
  [0x80n, 'L'],
  [0x100n, 'O'],
  [0x200n, 'G'],
  [0x400n, 'T'],
  [0x800n, 'C'],
  [0x80000000n, 'E'],
];

/** The "Flg" column of `readelf -S`: W write, A alloc, X execute, M merge, S strings, I info, E exclude... */
export function sectionFlagLetters(flags: bigint): string {
  let s = '';
  let known = 0n;
  for (const [bit, letter] of flagLetters) {
    known |= bit;
    if (flags & bit) s += letter;
  }
  const rest = flags & ~known;
  if (rest & 0x0ff00000n) s += 'o';
  if (rest & 0xf0000000n & ~0x80000000n) s += 'p';
  if (rest & ~0x0ff00000n & ~0xf0000000n) s += 'x';
  return s;
}
