// Written by scripts/build.mjs from package.json; do not edit.
export const VERSION = '0.1.0';
