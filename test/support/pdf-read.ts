/** Reads a PDF back with poppler, as a person would see it: its text and its page count. */
import { execFileSync } from 'node:child_process';

/** Text in reading order; `-layout` keeps columns apart, and a page range narrows it (`'-f', '2', '-l', '2'`). */
export const pdfText = (file: string, ...args: string[]): string =>
  execFileSync('pdftotext', [...args, file, '-'], { encoding: 'utf8' });

/** Reading-order text with whitespace collapsed: names wrapped inside a table cell read as one string again. */
export const pdfFlatText = (file: string): string => pdfText(file).replace(/\s+/g, ' ');

export const pdfPages = (file: string): number =>
  Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
