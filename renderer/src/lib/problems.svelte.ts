/**
 * Internal errors (bugs) that reach the window — a call the core answered with code `internal`, or a sync that
 * failed on one — are never swallowed: the window shows the latest ("Something went wrong") with its cause and a
 * "Copy details" button. The details hold the cause and where it happened (a channel name, an account id), never a
 * request's input, so they carry no secret.
 */
export interface Problem {
  /** The cause on one line, as the core scrubbed it. */
  cause: string;
  /** Where: "Request settings.update", "Sync of account <id> (run #3)". */
  context: string;
  at: string;
}

class Problems {
  current = $state.raw<Problem | null>(null);

  report(problem: Omit<Problem, 'at'>): void {
    this.current = { ...problem, at: new Date().toISOString() };
  }

  dismiss(): void {
    this.current = null;
  }
}

export const problems = new Problems();

export function problemDetails(problem: Problem): string {
  return (
    [
      'Rollbook: something went wrong',
      `When:  ${problem.at}`,
      `Where: ${problem.context}`,
      `Cause: ${problem.cause}`,
      'The stack is in the log (About → Log folder); "Copy diagnostics" there adds versions and recent syncs.',
    ].join('\n') + '\n'
  );
}

/** Copies text; false when neither the clipboard API nor the older copy command was allowed. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // The clipboard API may be refused (the app denies every permission request); a click may still copy a selection.
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    try {
      return document.execCommand('copy');
    } finally {
      area.remove();
    }
  }
}
