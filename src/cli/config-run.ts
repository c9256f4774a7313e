/** `ccglm config`: the effective settings and where each came from (the config file, or the default). */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { builtinProfiles } from '../agent/profiles.js';
import { resolveConfig } from '../config-file.js';
import { sourceRunSettings } from './run-settings.js';

interface Row {
  setting: string;
  value: unknown;
  source: string;
}

export async function printConfig(options: {
  plan?: string;
  config?: string;
  json: boolean;
}): Promise<string> {
  const target = path.resolve(options.plan ?? '.');
  const start =
    existsSync(target) && statSync(target).isDirectory() ? target : path.dirname(target);
  const { file, config } = await resolveConfig({
    ...(options.config !== undefined ? { config: options.config } : {}),
    start,
  });
  const from = (value: unknown) => (value !== undefined && file !== undefined ? file : 'default');
  const rows: Row[] = [
    ...sourceRunSettings({}, new Set(), file, config.run ?? {}).map(
      ({ setting, value, source }) => {
        const shown = value ?? setting.fallback;
        // The run reads --concurrency as text ("3", "unlimited"); a number is shown as one.
        return {
          setting: `run.${setting.key}`,
          value:
            setting.key === 'concurrency' && typeof shown === 'string' && /^\d+$/.test(shown)
              ? Number(shown)
              : shown,
          source,
        };
      },
    ),
    ...(['ignore', 'strict', 'quiet'] as const).map((key) => ({
      setting: `validate.${key}`,
      value: config.validate?.[key] ?? (key === 'ignore' ? [] : false),
      source: from(config.validate?.[key]),
    })),
    {
      setting: 'defaultAgent',
      value: config.defaultAgent ?? 'claude',
      source: from(config.defaultAgent),
    },
    ...Object.keys(builtinProfiles)
      .filter((name) => config.agents?.[name] === undefined)
      .map((name) => ({ setting: `agents.${name}`, value: 'built in', source: 'default' })),
    ...Object.entries(config.agents ?? {}).map(([name, profile]) => ({
      setting: `agents.${name}`,
      value: profile.command ?? (name in builtinProfiles ? 'built in, changed' : '(no command)'),
      source: file as string,
    })),
    ...Object.entries(config.targets ?? {}).map(([name, target]) => ({
      setting: `targets.${name}`,
      value: `${target.ssh}${target.enabled === false ? ' (disabled)' : ''}`,
      source: file as string,
    })),
  ];
  const head =
    file !== undefined
      ? `config file: ${file}${options.config !== undefined ? ' (--config)' : ` (found from ${start} upward)`}`
      : `config file: none (no ccglm.config.json from ${start} upward)`;
  if (options.json) return `${JSON.stringify({ file: file ?? null, settings: rows }, null, 2)}\n`;
  const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  const width = Math.max(...rows.map((r) => r.setting.length)) + 2;
  const valueWidth = Math.min(48, Math.max(...rows.map((r) => show(r.value).length)) + 2);
  return `${[
    head,
    '',
    ...rows.map(
      (r) => `${r.setting.padEnd(width)}${show(r.value).padEnd(valueWidth - 2)}  ${r.source}`,
    ),
  ].join('\n')}\n`;
}
