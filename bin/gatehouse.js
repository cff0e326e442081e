#!/usr/bin/env node
// The package's command, in plain JavaScript so that any Node can start it. Gatehouse itself is
// TypeScript run by Node 24's type stripping. When this Node cannot strip types (Node 20, say),
// the command runs again under the Node 24 the package depends on (the `node` package), with
// the same arguments, stdio and exit code; signals sent to this process go on to that one.
// Node also refuses to strip types under node_modules, which is where a global install puts
// the package, so there a small load hook strips them instead.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const main = path.join(root, 'src', 'main.ts');
const strips = Boolean(process.features.typescript);
const inNodeModules = root.split(path.sep).includes('node_modules');

if (strips && !inNodeModules) {
  await import(pathToFileURL(main).href);
} else {
  const node = strips ? process.execPath : shippedNode();
  const hook = inNodeModules
    ? ['--disable-warning=ExperimentalWarning', `--import=${pathToFileURL(path.join(root, 'bin', 'strip-types.js')).href}`]
    : [];
  const child = spawn(node, [...hook, main, ...process.argv.slice(2)], { stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  for (const signal of signals) process.on(signal, forward);
  child.on('error', (error) => {
    process.stderr.write(`gatehouse: cannot start ${node}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // End the way the child ended, so a caller sees the same signal.
      for (const s of signals) process.off(s, forward);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}

/** The Node binary of the `node` package, or a message saying what is missing. */
function shippedNode() {
  try {
    const manifest = createRequire(import.meta.url).resolve('node/package.json');
    return path.join(path.dirname(manifest), 'bin', 'node');
  } catch {
    process.stderr.write(`gatehouse: needs Node 24 or later (this is Node ${process.versions.node}), and the "node" package it depends on is not installed: run npm install\n`);
    process.exit(1);
  }
}
