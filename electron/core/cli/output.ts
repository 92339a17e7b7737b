/**
 * What the CLI prints passes through here: account labels, names a server sent, paths and error messages are
 * untrusted, and a terminal obeys escape sequences in them (retitle, clear the screen, rewrite earlier lines).
 */
import { BIDI_CONTROLS, bidiMarker } from '../text/bidi';
import type { CliIo } from './program';

/** CSI: ESC [ or U+009B, parameters, intermediates, final byte. */
const CSI = String.raw`(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]?`;
/** OSC, DCS, SOS, PM and APC strings, up to their terminator (BEL or ST) or the end of the line. */
const STRING =
  String.raw`(?:\u001b[\]PX^_]|[\u0090\u0098\u009d-\u009f])` +
  String.raw`[^\u0007\u001b\u009c\n]*(?:\u0007|\u001b\\|\u009c)?`;
/** Any other escape: ESC, intermediates, a final byte. */
const OTHER = String.raw`\u001b[ -/]*[0-~]?`;
/** ESC- and C1-introduced sequences, removed whole so that their parameters do not show as text. */
const ESCAPE_SEQUENCE = new RegExp(`${CSI}|${STRING}|${OTHER}`, 'g');

/** C0 controls but newline and tab, DEL, and C1 controls (U+0080–U+009F). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text safe to write to a terminal: escape sequences and control characters removed, bidi controls shown. */
export function sanitizeForTerminal(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '').replace(BIDI_CONTROLS, bidiMarker);
}

/** Line breaks (CR LF, LF, CR, VT, FF, NEL, LS, PS): those sanitizeForTerminal keeps for the CLI's own use. */
// eslint-disable-next-line no-control-regex -- finding line breaks (VT and FF among them) is the point
const LINE_BREAK = /\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]/g;

/**
 * One untrusted value (a label, a name a server sent, an error message) as part of a line: a line break inside it is
 * shown as ⟪LF⟫ and a tab as a space, so it can neither fake a line of output nor shift a tab-separated column.
 * sanitizeForTerminal keeps newlines and tabs, which the CLI's own output needs, so values pass through here first.
 */
export function oneLine(text: string): string {
  return text.replace(LINE_BREAK, '⟪LF⟫').replace(/\t/g, ' ');
}

/**
 * JSON for a terminal. JSON.stringify already escapes C0 controls; C1 and bidi controls are escaped the same way
 * (\u009b, \u202e) so a program reading the output gets the stored text unchanged.
 */
export function terminalJson(value: unknown, indent: number | undefined = 2): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The CLI's own line redraw on a terminal: written beside the sanitised text, never inside it. */
export const CLEAR_LINE = '\r\u001b[2K';

/** The host's output with every write sanitised; the one raw sequence left is the CLI's own line redraw. */
export function terminalIo(io: CliIo): CliIo {
  const { confirm } = io;
  return {
    ...io,
    stdout: (text) => io.stdout(sanitizeForTerminal(text)),
    stderr: (text) => io.stderr(sanitizeForTerminal(text)),
    confirm: confirm && ((question) => confirm(sanitizeForTerminal(question))),
    clearLine: () => io.stderr(CLEAR_LINE),
  };
}
