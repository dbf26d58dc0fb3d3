import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root: the folder holding pnpm-workspace.yaml. */
const REPO_ROOT = resolve(here, '../../../../..');
/** Real firmware maps live inside the repository: `<repo>/realdata` (see its README and SOURCES.tsv notes). */
export const REALDATA = resolve(REPO_ROOT, 'realdata');

function requireRealdata(): void {
  if (!existsSync(join(REPO_ROOT, 'pnpm-workspace.yaml')) || !existsSync(REALDATA)) {
    throw new Error(
      `the real memory maps are missing: expected them at ${REALDATA} (the repository's realdata/ folder)`,
    );
  }
}

/** A real map file's text, by its path under realdata (`e820/…`). */
export function realMap(path: string): string {
  requireRealdata();
  const file = join(REALDATA, path);
  if (!existsSync(file)) throw new Error(`real map ${path} is missing from ${REALDATA}`);
  return readFileSync(file, 'utf8');
}

/** Every data file under realdata (`folder/file`), without the READMEs and SOURCES.tsv notes. */
export function realMapFiles(): string[] {
  requireRealdata();
  const out: string[] = [];
  for (const folder of readdirSync(REALDATA, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const file of readdirSync(join(REALDATA, folder.name))) {
      if (file === 'SOURCES.tsv' || file.endsWith('.md')) continue;
      out.push(`${folder.name}/${file}`);
    }
  }
  return out.sort();
}
