/**
 * Shell completion: `ccglm completion SHELL` prints a script that asks `ccglm __complete WORDS…`
 * (the words after `ccglm`, the one being typed last) for candidates, one a line. No candidates:
 * the shell completes file names. Task ids come from the plan on the command line.
 */
import { readFileSync } from 'node:fs';
import { parsePlan } from '../plan/parse.js';
import { modules, specs } from './commands/index.js';
import { jobSubcommandNames } from './commands/job.js';
import type { CommandSpec, Completion } from './spec.js';

const commandNames = () => [...specs.map((s) => s.name), ...modules.map((m) => m.name), 'help'];

function taskIds(plan: string | undefined): string[] {
  if (plan === undefined) return [];
  try {
    return [...new Set(parsePlan(readFileSync(plan, 'utf8'), plan).plan.tasks.map((t) => t.id))];
  } catch {
    return [];
  }
}

function candidates(
  kind: { choices?: readonly unknown[] | undefined; complete?: Completion | undefined },
  plan: string | undefined,
): string[] {
  if (kind.choices !== undefined) return kind.choices.map(String);
  if (kind.complete === 'task') return taskIds(plan);
  return [];
}

/** The candidates for the last of `words` (the words after `ccglm`). */
export function complete(words: readonly string[]): string[] {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const [name] = before;
  if (name === undefined) return commandNames();
  if (name === 'help')
    return before.length === 1
      ? commandNames()
      : before[1] === 'job' && before.length === 2
        ? jobSubcommandNames
        : [];
  // `ccglm job <command>`: its commands (their options are the shell runner's, see --help).
  if (name === 'job') return before.length === 1 ? [...jobSubcommandNames, 'help'] : [];
  const spec = specs.find((s) => s.name === name);
  if (spec === undefined) return [];
  const { positionals, pending } = readWords(spec, before.slice(1));
  // The plan: the command's first positional (`prompt PLAN TASK`, `run PLAN`).
  const plan = spec.positionals[0]?.complete === 'plan' ? positionals[0] : undefined;
  if (pending !== undefined) return candidates(spec.options[pending] ?? {}, plan);
  if (current.startsWith('-'))
    return Object.entries(spec.options).flatMap(([option, o]) =>
      o.type === 'boolean' && o.default === undefined
        ? [`--${option}`, `--no-${option}`]
        : [`--${option}`],
    );
  const positional =
    spec.positionals[positionals.length] ??
    (spec.positionals.at(-1)?.variadic === true ? spec.positionals.at(-1) : undefined);
  return positional === undefined ? [] : candidates(positional, plan);
}

/** The positionals typed so far, and the option waiting for its value (if the last word is one). */
function readWords(
  spec: CommandSpec,
  words: readonly string[],
): { positionals: string[]; pending?: string } {
  const positionals: string[] = [];
  let pending: string | undefined;
  for (const word of words) {
    if (pending !== undefined) {
      pending = undefined;
      continue;
    }
    if (word.startsWith('--') && !word.includes('=')) {
      const option = spec.options[word.slice(2)];
      if (option !== undefined && option.type !== 'boolean') pending = word.slice(2);
    } else if (!word.startsWith('-')) positionals.push(word);
  }
  return { positionals, ...(pending !== undefined ? { pending } : {}) };
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** The script for `shell`; `eval "$(ccglm completion bash)"` and the like. */
export function completionScript(shell: Shell): string {
  switch (shell) {
    case 'bash':
      return `# ccglm completion for bash: eval "$(ccglm completion bash)" (e.g. in ~/.bashrc)
_ccglm() {
  local cur=\${COMP_WORDS[COMP_CWORD]} IFS=$'\\n' out
  out=$(ccglm __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  if [ -n "$out" ]; then
    COMPREPLY=($(compgen -W "$out" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _ccglm ccglm
`;
    case 'zsh':
      return `#compdef ccglm
# ccglm completion for zsh: eval "$(ccglm completion zsh)" after compinit (e.g. in ~/.zshrc)
_ccglm() {
  local -a items
  items=("\${(@f)$(ccglm __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ -n "\${items[1]}" ]]; then compadd -a items; else _files; fi
}
compdef _ccglm ccglm
`;
    case 'fish':
      return `# ccglm completion for fish: ccglm completion fish > ~/.config/fish/completions/ccglm.fish
function __ccglm_complete
    set -l words (commandline -opc) (commandline -ct)
    set -l out (ccglm __complete $words[2..-1] 2>/dev/null)
    if test (count $out) -gt 0
        printf '%s\\n' $out
    else
        __fish_complete_path (commandline -ct)
    end
end
complete -c ccglm -f -a '(__ccglm_complete)'
`;
  }
}
