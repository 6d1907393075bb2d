import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** The Python-driven conformance tests: find an interpreter with the client module, run a scenario script. */
const run = promisify(execFile);

/**
 * The first interpreter (`$PYTHON`, `python3`, `/usr/bin/python3`) that imports `module`. Debian's
 * modules (python3-odoorpc) live in the system interpreter, which may not be the first python3 on
 * PATH (pyenv), so every candidate is tried. Without one, `reason` says why (and `hint` how to fix it).
 */
export async function findPython(module: string, hint = ''): Promise<{ python?: string; reason: string }> {
  const problems: string[] = [];
  for (const python of [...new Set([process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c)))]) {
    try {
      await run(python, ['-c', `import ${module}`], { timeout: 30_000 });
      return { python, reason: '' };
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      problems.push(`${python}: ${e.code === 'ENOENT' ? 'not found' : (e.stderr?.trim() || e.message).split('\n').at(-1)}`);
    }
  }
  return { reason: `python3 with the ${module} module is not available (${problems.join('; ')})${hint ? `; ${hint}` : ''}` };
}

/**
 * Runs a scenario script with `args`; it prints one JSON object as its last line. Returns that
 * object, or null after failing the test when the script printed no JSON or reported `fatal`.
 */
export async function runScenario(t: { fail(message: string): void }, python: string, script: string, args: string[]): Promise<Record<string, any> | null> {
  let stdout = '';
  let stderr = '';
  try {
    ({ stdout, stderr } = await run(python, [script, ...args], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }));
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    stdout = e.stdout ?? '';
    stderr = e.stderr ?? String(err);
  }
  let out: Record<string, any>;
  try {
    out = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
  } catch {
    t.fail(`the scenario printed no JSON:\n${stdout}\n${stderr}`);
    return null;
  }
  if (out.fatal) {
    t.fail(`the scenario failed:\n${out.fatal}`);
    return null;
  }
  return out;
}
