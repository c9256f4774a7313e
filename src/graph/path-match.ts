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
