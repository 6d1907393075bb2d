import { loadDemoData } from '../db/demo.js';
import { EXIT, type Command } from './command.js';

/** `livechat-rpc load-demo`: Odoo's demo records (as DEMO_DATA=true does at start-up), each set once. */
const loadDemo: Command = {
  summary: 'load Odoo\'s demo records (users demo/demo and portal/portal, companies, teams...), once',
  usage: '',
  async run(ctx) {
    await ctx.asSuperuser((env) => loadDemoData(env));
    ctx.io.stdout('demo data loaded\n');
    return EXIT.OK;
  },
};
export default loadDemo;
