#!/usr/bin/env node
// `npx livechat-rpc <command>`: the TypeScript CLI (src/cli/index.ts) run through tsx, or the
// compiled one (dist/cli/index.js) where the sources are not shipped, as in the Docker image.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/index.ts', import.meta.url);
const { main, processIo } = existsSync(source)
  ? await (await import('tsx/esm/api')).tsImport(source.href, import.meta.url)
  : await import(new URL('../dist/cli/index.js', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2), processIo);
