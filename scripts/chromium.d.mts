export function findChromium(): string | undefined;
export function dumpDom(binary: string, file: string): { dom: string; console: string[] };
export function screenshot(
  binary: string,
  file: string,
  png: string,
  width?: number,
  height?: number,
): { stdout: string; console: string[] };
