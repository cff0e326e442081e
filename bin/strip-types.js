// Loaded with --import when Gatehouse is installed under node_modules (a global or a project
// install), where Node strips no types by itself: the package's own .ts files are stripped here.
import { registerHooks, stripTypeScriptTypes } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const src = pathToFileURL(path.resolve(import.meta.dirname, '..', 'src')).href + '/';

registerHooks({
  load(url, context, nextLoad) {
    if (!url.startsWith(src) || !url.endsWith('.ts')) return nextLoad(url, context);
    const { source } = nextLoad(url, { ...context, format: 'module-typescript' });
    return { format: 'module', source: stripTypeScriptTypes(String(source)), shortCircuit: true };
  },
});
