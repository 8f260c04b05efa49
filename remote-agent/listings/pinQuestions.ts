// Asking bpftool about pinned files the pin index (pinTable.ts) cannot place: one `KIND show pinned PATH` line per
// file in a bpftool batch (about 0.2 ms a line, where -f doubles a 1,000-program listing). bpftool stops a batch at
// the first line that fails, and a line asking about the wrong kind fails ("incorrect object type: map"): that
// answer names the kind, and the file is asked again with it, together with the lines that got no answer.
import type { AgentContext } from '../core/context';
import { bpftoolBatch, NoAnswer, type BatchResult } from './batch';
import { dirOf, pinCommand, type PinIndex, type PinQuestion } from './pinTable';

/** More files than this and the listing runs with -f instead. */
export const MAX_PIN_QUESTIONS = 64;
/** Batches of its own asked after the first answers (a wrong kind each, or no answer) before giving up (then -f). */
const MAX_ROUNDS = 3;

/** A path bpftool's batch line splitter keeps as one argument. */
export const batchSafe = (s: string) => /^[^\s"'\\#]+$/.test(s);

/** Whether the files are few enough, and their paths fit batch lines, to be asked one by one. */
export function askable(questions: PinQuestion[]): boolean {
  return questions.length <= MAX_PIN_QUESTIONS && questions.every((q) => batchSafe(q.path));
}

/**
 * Places the files of `questions` in the index. `answers`: bpftool's answers to `pinCommand(q)` lines, in order,
 * from a batch that also did other work (a missing or NoAnswer one is asked again). Never rejects: a file still
 * unplaced makes the listing of its kind run with -f (PinIndex.place).
 */
export async function answerPinQuestions(
  ctx: AgentContext,
  index: PinIndex,
  questions: PinQuestion[],
  answers: BatchResult[] = [],
): Promise<void> {
  let pending = questions;
  let got = answers;
  for (let round = 0; ; round++) {
    const next: PinQuestion[] = [];
    const unasked: PinQuestion[] = [];
    /** Directory -> the kind an answer there named: its files not asked yet are likely the same (NAME/maps/). */
    const named = new Map<string, PinQuestion['ask']>();
    pending.forEach((q, i) => {
      const a = got[i];
      if (a === undefined || a instanceof NoAnswer) unasked.push(q);
      else {
        const again = index.learnOne(q, a);
        if (again) {
          next.push(again);
          named.set(dirOf(q.path), again.ask);
        }
      }
    });
    pending = [...next, ...unasked.map((q) => ({ ...q, ask: named.get(dirOf(q.path)) ?? q.ask }))];
    if (!pending.length || round === MAX_ROUNDS) return;
    got = await bpftoolBatch(ctx, pending.map(pinCommand)).catch((e: Error) => pending.map(() => new NoAnswer(e.message)));
  }
}
