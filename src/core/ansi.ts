import { stripVTControlCharacters } from 'node:util';

/**
 * Other control characters: C0 except tab, line feed and carriage return, DEL, and C1. Node's
 * stripper removes whole escape sequences (CSI colours, OSC hyperlinks, charset shifts) but leaves
 * a lone or unknown-form ESC behind; none of these belong in a summary, an annotation or a record.
 */
// eslint-disable-next-line no-control-regex
const LEFTOVER_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/**
 * Tool output as text people read: colour and cursor escapes (a runner run with FORCE_COLOR=1)
 * removed. Node's util.stripVTControlCharacters does the sequence matching; only the stray
 * control characters it leaves are removed here.
 */
export function stripAnsi(text: string): string {
  return stripVTControlCharacters(text).replace(LEFTOVER_CONTROLS, '');
}
