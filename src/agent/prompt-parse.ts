/**
 * Reads a task back out of a prompt rendered with the default template (see prompt.ts), for the
 * demo agent when it has no plan to read. The inverse of renderPrompt for the fields it needs.
 */
export interface PromptTask {
  id: string;
  name: string;
  locations: string[];
  featureKey?: string;
}

export function taskFromPrompt(prompt: string): PromptTask {
  const lines = prompt.split(/\r?\n/);
  const heading = lines.map((line) => /^- Your Task: (\S+?): (.*)$/.exec(line)).find(Boolean);
  const featureKey = lines.map((line) => /^\s+Feature-Key: (\S+)\s*$/.exec(line)).find(Boolean);
  const locations: string[] = [];
  const start = lines.findIndex((line) => /^- \*\*location\*\*:\s*$/.test(line));
  if (start >= 0) {
    for (const line of lines.slice(start + 1)) {
      const item = /^ {2}- (.+)$/.exec(line);
      if (item === null) break;
      const entry = (item[1] as string).replace(/\s+\([^()]*\)$/, '').trim();
      if (entry !== '' && entry !== '(none given)') locations.push(entry);
    }
  }
  return {
    id: heading?.[1] ?? 'T?',
    name: heading?.[2]?.trim() ?? '',
    locations,
    ...(featureKey?.[1] !== undefined ? { featureKey: featureKey[1] } : {}),
  };
}
