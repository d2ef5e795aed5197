/**
 * A readable difference between two decisions logs: the first line that differs, with the lines
 * around it from both sides, the fields that changed, and how many lines differ in all.
 */

const CONTEXT = 3;
const SHOWN = 8;

/** Undefined when the logs are the same, else a report made for a test failure. */
export function decisionsDiff(expected: string, actual: string): string | undefined {
  if (expected === actual) return undefined;
  const e = expected.split('\n');
  const a = actual.split('\n');
  let first = 0;
  while (first < e.length && first < a.length && e[first] === a[first]) first++;
  let differing = 0;
  for (let i = first; i < Math.max(e.length, a.length); i++) if (e[i] !== a[i]) differing++;
  const out: string[] = [
    `first difference at decision ${first + 1} (${differing} of ${Math.max(e.length, a.length) - 1} lines differ; golden ${e.length - 1} lines, replay ${a.length - 1}):`,
  ];
  for (let i = Math.max(0, first - CONTEXT); i < first; i++)
    out.push(`  ${String(i + 1).padStart(5)}   ${e[i]}`);
  for (let i = first; i < first + SHOWN && (i < e.length || i < a.length); i++) {
    if (e[i] === a[i]) {
      out.push(`  ${String(i + 1).padStart(5)}   ${e[i]}`);
      continue;
    }
    if (i < e.length) out.push(`- ${String(i + 1).padStart(5)}   ${e[i]}`);
    if (i < a.length) out.push(`+ ${String(i + 1).padStart(5)}   ${a[i]}`);
  }
  const fields = changedFields(e[first], a[first]);
  if (fields !== '') out.push(`changed at decision ${first + 1}: ${fields}`);
  return out.join('\n');
}

function changedFields(e: string | undefined, a: string | undefined): string {
  if (e === undefined || a === undefined) return '';
  try {
    const x = JSON.parse(e) as Record<string, unknown>;
    const y = JSON.parse(a) as Record<string, unknown>;
    return [...new Set([...Object.keys(x), ...Object.keys(y)])]
      .filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]))
      .map((k) => `${k}: ${JSON.stringify(x[k])} → ${JSON.stringify(y[k])}`)
      .join(', ');
  } catch {
    return '';
  }
}
