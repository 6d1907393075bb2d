import { mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './server.js';

/** Where the JavaScript build goes, laid out as the Docker image is: app/ beside schemas/ and sql/. */
const OUT = join(ROOT, 'bench', '.dist');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? sources(path) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

let built: Promise<{ server: string; bare: string }> | undefined;

/**
 * The service compiled to JavaScript (`npm run build` does the same with tsc; esbuild only strips
 * the types, in well under a second), so the start-up is timed as `node dist/server.js` runs in
 * the Docker image; with the start-up baseline beside it. Paths relative to the repository; built
 * once per run.
 */
export function buildService(): Promise<{ server: string; bare: string }> {
  built ??= (async () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    await build({
      entryPoints: sources(join(ROOT, 'src')), outdir: join(OUT, 'app'), outbase: join(ROOT, 'src'),
      format: 'esm', platform: 'node', target: 'node20', bundle: false, sourcemap: false, logLevel: 'error',
    });
    await build({
      entryPoints: [join(ROOT, 'bench', 'baseline-http.ts')], outdir: OUT,
      format: 'esm', platform: 'node', target: 'node20', bundle: false, logLevel: 'error',
    });
    // config.js reads ../schemas, db/migrate.js ../../sql/migrations: as /app/dist beside /app/schemas and /app/sql
    symlinkSync(join(ROOT, 'schemas'), join(OUT, 'schemas'));
    symlinkSync(join(ROOT, 'sql'), join(OUT, 'sql'));
    return { server: 'bench/.dist/app/server.js', bare: 'bench/.dist/baseline-http.js' };
  })();
  return built;
}
