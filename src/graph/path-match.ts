/**
 * A plan location (a file, a folder, or a glob with `*` and `**`) as a predicate over repository
 * paths. Pure; shared by the overlap check and the run's scope-drift report.
 */
export function locationMatcher(location: string): (path: string) => boolean {
  const clean = location.replace(/\\/g, '/').replace(/^\.\//, '');
  if (clean === '' || clean === '.' || clean === '**' || clean === '**/') return () => true;
  if (!clean.includes('*')) {
    const dir = clean.replace(/\/+$/, '');
    return (path) => path === dir || path.startsWith(`${dir}/`);
  }
  const pattern = clean
    .split(/(\*\*\/?|\*)/)
    .map((part) =>
      part.startsWith('**')
        ? '.*'
        : part === '*'
          ? '[^/]*'
          : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  const regex = new RegExp(`^${pattern}$`);
  return (path) => regex.test(path);
}

/** File names that are paths without a `/` or an extension. */
const KNOWN_FILES = new Set(
  [
    'makefile',
    'gnumakefile',
    'dockerfile',
    'containerfile',
    'justfile',
    'rakefile',
    'gemfile',
    'pipfile',
    'procfile',
    'brewfile',
    'vagrantfile',
    'jenkinsfile',
    'podfile',
    'license',
    'licence',
    'readme',
    'changelog',
    'codeowners',
    'build',
    'workspace',
  ].map((name) => name.toLowerCase()),
);

/**
 * Whether a location entry names a file, folder or glob rather than prose: one token (no spaces)
 * with a `/`, an extension (`.ts`, `.json`; not `Settings.resolver`), a `*`, or a known file name
 * such as Makefile or Dockerfile. URLs are not repository paths.
 */
export function looksLikePath(value: string): boolean {
  const path = value.trim().replace(/:\d+(?::\d+)?$/, ''); // `src/a.py:23`
  if (path.length === 0 || /\s/.test(path)) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return false;
  if (path.includes('/') || path.includes('\\') || path.includes('*')) return true;
  if (/[^./]\.(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{1,5}$/.test(path)) return true; // a.ts, x.test.ts
  if (/^\.[A-Za-z0-9_-]+$/.test(path)) return true; // .env, .gitignore
  return KNOWN_FILES.has(path.toLowerCase());
}
