import { checkScript, type ScriptProblem } from '../livechat/chatbot-checker.js';
import { loadScripts } from '../livechat/chatbot-script.js';
import { CommandError, EXIT, UsageError, type Command } from './command.js';

/**
 * `livechat-rpc check-chatbot <id|all>`: the script checker (`chatbot.script.check_script`) from
 * the command line, e.g. in a deployment pipeline. Exit code 1 when a script has an error (or any
 * problem with `--strict`), 0 otherwise; `--json` prints one JSON object per problem.
 */
const checkChatbot: Command = {
  summary: 'check chatbot scripts for dead ends, unreachable steps and other problems',
  usage: '<script id | all> [--json] [--strict]',
  options: { json: { type: 'boolean' }, strict: { type: 'boolean' } },
  positionals: [1, 1],
  async run(ctx) {
    const target = ctx.positionals[0]!;
    if (target !== 'all' && !/^\d+$/.test(target)) throw new UsageError(`expected a script id or "all", not '${target}'`);
    const checked = await ctx.asSuperuser(async (env) => {
      // "all" is every script a rule may play (active ones); an id is checked even when archived
      const ids = target === 'all'
        ? await env.model('chatbot.script').search([], { order: 'id' })
        : [Number(target)];
      const scripts = await loadScripts(env, ids);
      if (target !== 'all' && !scripts.size) throw new CommandError(`no chatbot script with id ${target}`);
      return [...scripts.values()].map((script) => ({ script, problems: checkScript(script) }));
    });
    const problems: ScriptProblem[] = checked.flatMap((c) => c.problems);
    if (ctx.options.json) {
      for (const p of problems) ctx.io.stdout(`${JSON.stringify(p)}\n`);
    } else {
      for (const { script, problems: own } of checked) {
        ctx.io.stdout(`${script.title} (#${script.id}): ${own.length ? `${own.length} problem${own.length > 1 ? 's' : ''}` : 'no problem'}\n`);
        for (const p of own) {
          const where = p.step_id === false ? 'script' : `step #${p.step_id} "${p.step}"`;
          ctx.io.stdout(`  ${p.severity.padEnd(7)} ${p.code}  ${where}\n           ${p.message}\n`);
        }
      }
      if (!checked.length) ctx.io.stdout('no chatbot script\n');
    }
    const failing = problems.filter((p) => p.severity === 'error' || ctx.options.strict);
    return failing.length ? EXIT.FAILED : EXIT.OK;
  },
};

export default checkChatbot;
