// Write src/version.ts from package.json, so the User-Agent names the version being published,
// and empty dist/ for the tsc run that follows. Plain JavaScript, so it runs on any Node.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const here = path.resolve(import.meta.dirname, '..');
const { version } = JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8'));
writeFileSync(path.join(here, 'src', 'version.ts'), `// Written by scripts/build.mjs from package.json; do not edit.\nexport const VERSION = '${version}';\n`);
rmSync(path.join(here, 'dist'), { recursive: true, force: true });
