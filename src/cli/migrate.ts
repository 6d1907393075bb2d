import { migrate as applyMigrations } from '../db/migrate.js';
import { seed } from '../db/seed.js';
import { EXIT, type Command } from './command.js';

/**
 * `livechat-rpc migrate` (also `npm run migrate`): applies pending migrations and the start-up data
 * (models, access rights, parameters, the admin password on a new database), then exits. Safe while
 * instances run: migrations take an advisory lock and each file is applied once.
 */
const migrate: Command = {
  summary: 'apply pending database migrations and start-up data',
  usage: '',
  needsMigratedDatabase: false,
  async run(ctx) {
    const database = await ctx.database();
    const applied = await applyMigrations(database);
    await seed(database, ctx.registry(), ctx.config);
    ctx.io.stdout(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    return EXIT.OK;
  },
};
export default migrate;
