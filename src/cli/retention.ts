import { describeRetention, runRetention } from '../livechat/retention.js';
import { EXIT, integerOption, type Command } from './command.js';

/**
 * `livechat-rpc retention [--dry-run]`: applies the live chat channels' retention periods now (as
 * the service's job does every RETENTION_INTERVAL_SECONDS), or with --dry-run says what it would
 * remove without changing anything. Exit code 1 when another instance is running it.
 */
const retention: Command = {
  summary: 'delete or anonymise live chat conversations past their channel\'s retention period (--dry-run: only report)',
  usage: '[--dry-run] [--livechat-channel ID] [--json]',
  options: { 'dry-run': { type: 'boolean' }, 'livechat-channel': { type: 'string' }, json: { type: 'boolean' } },
  async run(ctx) {
    const channel = integerOption(ctx, 'livechat-channel', { min: 1 });
    const report = await runRetention(await ctx.database(), { dryRun: Boolean(ctx.options['dry-run']), livechatChannelIds: channel ? [channel] : undefined });
    if (ctx.options.json) ctx.io.stdout(`${JSON.stringify(report)}\n`);
    else for (const line of describeRetention(report)) ctx.io.stdout(`${line}\n`);
    if (report.skipped) {
      ctx.io.stderr('livechat-rpc retention: another instance is running retention; nothing was done, try again later\n');
      return EXIT.FAILED;
    }
    return EXIT.OK;
  },
};
export default retention;
