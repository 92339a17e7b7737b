/**
 * Where a core refusal belongs in a form. The core's zod errors read "✖ message\n  → at path" (z.prettifyError); its
 * own checks start with the path ("name: a requirement named … already exists"). Each message goes to the longest of
 * the form's `fields` its path starts with (`audience.emails[2]` → `audience.emails`); what names none of them is the
 * whole form's problem (key `''`).
 */
export function fieldProblems(message: string, fields: readonly string[]): Record<string, string> {
  const problems: Record<string, string> = {};
  const add = (path: string, text: string) => {
    const field =
      [...fields]
        .sort((a, b) => b.length - a.length)
        .find((f) => path === f || path.startsWith(`${f}.`) || path.startsWith(`${f}[`)) ?? '';
    problems[field] = problems[field] ? `${problems[field]} ${text}` : text;
  };
  const issues = [...message.matchAll(/✖ ([^\n]+)(?:\n\s*→ at ([^\n]+))?/g)];
  if (issues.length > 0) {
    for (const [, text, path] of issues) add(path?.trim() ?? '', text!);
    return problems;
  }
  const own = /^([A-Za-z][\w.[\]]*): (.+)$/s.exec(message);
  if (own) add(own[1]!, own[2]!);
  else problems[''] = message;
  if (problems[''] !== undefined && own) problems[''] = message;
  return problems;
}
