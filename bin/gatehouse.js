#!/usr/bin/env node
// The package's command. Gatehouse is TypeScript run by Node 24's type stripping;
// this shim only forwards to the real entry point.
import '../src/main.ts';
