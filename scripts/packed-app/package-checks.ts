// Checks on one unpacked tarball: what a registry user would receive. Each returns problems as
// sentences naming the file; an empty list is a pass.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? walk(file) : [file];
  });
}

type ExportTarget = string | { [condition: string]: ExportTarget };

interface Manifest {
  name: string;
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  exports?: Record<string, ExportTarget>;
  typesVersions?: Record<string, Record<string, string[]>>;
  [field: string]: unknown;
}

/** `workspace:` ranges must have been rewritten to real versions by `pnpm pack`. */
function workspaceRanges(manifest: Manifest): string[] {
  const problems: string[] = [];
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']) {
    const deps = (manifest[field] ?? {}) as Record<string, string>;
    for (const [dep, range] of Object.entries(deps))
      if (range.startsWith('workspace:')) problems.push(`package.json ${field}.${dep} is still "${range}"`);
  }
  return problems;
}

/** Every file package.json points at (main, types, bin, exports, typesVersions) is in the tarball. */
function pointedFiles(dir: string, manifest: Manifest): string[] {
  const targets: [string, string][] = [];
  if (manifest.main) targets.push(['main', manifest.main]);
  if (manifest.types) targets.push(['types', manifest.types]);
  for (const [name, file] of Object.entries(manifest.bin ?? {})) targets.push([`bin.${name}`, file]);
  const conditions = (field: string, target: ExportTarget): void => {
    if (typeof target === 'string') targets.push([field, target]);
    else for (const [condition, inner] of Object.entries(target)) conditions(`${field}.${condition}`, inner);
  };
  for (const [subpath, target] of Object.entries(manifest.exports ?? {}))
    conditions(`exports["${subpath}"]`, target);
  for (const map of Object.values(manifest.typesVersions ?? {}))
    for (const [subpath, files] of Object.entries(map))
      for (const file of files) targets.push([`typesVersions["${subpath}"]`, file]);
  return targets
    .filter(([, file]) => !existsSync(path.join(dir, file)))
    .map(([field, file]) => `package.json ${field} points at ${file}, which is not in the package`);
}

/** Source maps: each `sources` entry resolves to a file inside the package. */
function sourceMaps(dir: string, files: string[]): string[] {
  const problems: string[] = [];
  for (const file of files.filter((f) => f.endsWith('.map'))) {
    const map = JSON.parse(readFileSync(file, 'utf8')) as { sources?: string[]; sourceRoot?: string };
    for (const source of map.sources ?? []) {
      const resolved = path.resolve(path.dirname(file), map.sourceRoot ?? '', source);
      const inside = resolved.startsWith(dir + path.sep);
      if (!inside || !existsSync(resolved))
        problems.push(
          `${path.relative(dir, file)} names source ${source}, ${inside ? 'which is not shipped' : 'outside the package'}`,
        );
    }
  }
  return problems;
}

/** Declarations: relative imports and references resolve inside the package, and no `src/` path is named that is not shipped. */
function declarations(dir: string, files: string[]): string[] {
  const problems: string[] = [];
  const specifiers = /(?:from\s+|import\(\s*|require\(\s*|<reference\s+path=)['"]([^'"]+)['"]/g;
  for (const file of files.filter((f) => /\.d\.[cm]?ts$/.test(f))) {
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(specifiers)) {
      if (!spec.startsWith('.')) {
        if (/(^|\/)src(\/|$)/.test(spec)) problems.push(`${path.relative(dir, file)} imports ${spec}`);
        continue;
      }
      const base = path.resolve(path.dirname(file), spec);
      const candidates = [
        base,
        `${base}.d.ts`,
        path.join(base, 'index.d.ts'),
        base.replace(/\.[cm]?js$/, '.d.ts'),
      ];
      if (!candidates.some((c) => existsSync(c) && statSync(c).isFile()))
        problems.push(`${path.relative(dir, file)} imports ${spec}, which is not shipped`);
    }
  }
  return problems;
}

/** Test files and build configuration have no business in a published package. */
function strayFiles(dir: string, files: string[]): string[] {
  return files
    .map((f) => path.relative(dir, f))
    .filter((f) => /\.test\.[cm]?[jt]s$/.test(f) || /(^|\/)tsconfig[^/]*\.json$/.test(f))
    .map((f) => `${f} is shipped (a test or build configuration)`);
}

export function checkPackage(dir: string): { name: string; files: number; problems: string[] } {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
  const files = walk(dir);
  return {
    name: manifest.name,
    files: files.length,
    problems: [
      ...workspaceRanges(manifest),
      ...pointedFiles(dir, manifest),
      ...sourceMaps(dir, files),
      ...declarations(dir, files),
      ...strayFiles(dir, files),
    ],
  };
}
