// Completes the ES module build in dist/esm (tsconfig.build.esm.json). Node's ESM loader needs
// the file extension on relative imports, which the sources leave out (they are also compiled to
// CommonJS and run by Jest), so `./tokens` becomes `./tokens.js` in the emitted JavaScript and
// declarations; a package.json marks the folder as ESM.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/esm');

function walk(folder) {
  return readdirSync(folder).flatMap((name) => {
    const file = path.join(folder, name);
    return statSync(file).isDirectory() ? walk(file) : [file];
  });
}

const relative = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\2/g;
for (const file of walk(dir).filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(relative, (match, lead, quote, spec) => {
    if (/\.[cm]?js$/.test(spec)) return match;
    const target = path.resolve(path.dirname(file), spec);
    let isDir = false;
    try {
      isDir = statSync(target).isDirectory();
    } catch {}
    return `${lead}${quote}${spec}${isDir ? '/index.js' : '.js'}${quote}`;
  });
  if (fixed !== text) writeFileSync(file, fixed);
}
writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }, null, 2) + '\n');
