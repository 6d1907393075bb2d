import fp from 'fastify-plugin';
import { describeRetention, runRetention, type RetentionReport } from '../livechat/retention.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs live chat retention now, as the schedule does (tests, and the CLI's twin in-process). */
    runRetention(): Promise<RetentionReport>;
  }
}

/**
 * The retention job of the service: every `intervalSeconds` (0 = never), the live chat channels'
 * retention periods are applied (src/livechat/retention.ts). Every instance schedules it; an
 * advisory lock makes one of them run it at a time, the others skip that round. Each run is logged
 * with what it removed, channel by channel.
 */
export default fp(async (app, opts: { intervalSeconds: number }) => {
  let current: Promise<RetentionReport> | undefined;
  let closing = false;
  const runNow = async (): Promise<RetentionReport> => {
    const started = Date.now();
    const report = await runRetention(app.database, { shouldContinue: () => !closing });
    const log = app.log.child({ job: 'retention' });
    if (report.skipped) log.info('retention: skipped, another instance is running it');
    else if (report.channels.length) {
      for (const [i, line] of describeRetention(report).entries()) {
        const { conversation_ids: ids, ...counts } = report.channels[i]!;
        log.info({ retention: counts, conversation_ids: ids, duration_ms: Date.now() - started }, `retention: ${line}`);
      }
    }
    return report;
  };
  app.decorate('runRetention', runNow);

  app.addHook('preClose', (done) => { closing = true; done(); });
  if (opts.intervalSeconds <= 0) return;
  const timer = setInterval(() => {
    if (current) return; // the previous round is still going
    current = runNow().catch((err) => {
      app.log.error({ err, job: 'retention' }, 'retention run failed');
      return { dry_run: false, skipped: true, channels: [] };
    }).finally(() => { current = undefined; });
  }, opts.intervalSeconds * 1000);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    // a round in progress stops after its current batch (each is its own transaction), before the database closes
    await current;
  });
}, { name: 'odoo-retention', dependencies: ['odoo-db'] });
