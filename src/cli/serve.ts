import { rmSync, writeFileSync } from 'node:fs';
import { buildApp } from '../app.js';
import { demoLogins } from '../demo/logins.js';
import type { ParsedArgs } from './args.js';
import { pidFile } from './restore.js';
import { CliError, configFromArgs, openPrepared } from './runtime.js';

/** Starts the portal and keeps running until SIGINT/SIGTERM. */
export async function serve(args: ParsedArgs): Promise<number> {
  const config = configFromArgs(args);
  const { ctx, report } = await openPrepared(config);
  // 1C runs a restart cut short show as abandoned on the admin page; their folders go.
  await ctx.exchange.prepare();
  const app = await buildApp(ctx);
  let address: string;
  try {
    address = await app.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    await ctx.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new CliError(
        `${config.server.host}:${config.server.port} is already in use: stop the other program or set server.port in config.yml`,
      );
    }
    if (code === 'EACCES')
      throw new CliError(`no permission to listen on port ${config.server.port}: use a port above 1024 or put nginx in front`);
    throw error;
  }
  // `optovik restore` refuses to replace the database under a running portal.
  const pid = pidFile(config);
  writeFileSync(pid, String(process.pid));
  ctx.worker.start();
  ctx.moysklad?.start();
  ctx.sheetsWatcher?.start();

  const lines = [`Optovik is running at ${address.replace('127.0.0.1', 'localhost')}`];
  lines.push(
    config.file
      ? `  config: ${config.file}`
      : '  no config.yml found: DEMO MODE (copy config.example.yml to config.yml for production)',
  );
  lines.push(`  data:   ${config.dataDir}`);
  if (report.applied.length > 0) lines.push(`  database migrated: ${report.applied.join(', ')}`);
  if (report.backup) lines.push(`  backup before migrating: ${report.backup}`);
  if (!config.smtp.host) lines.push(`  no SMTP configured: mail is written to ${config.dataDir}/mail`);
  if (ctx.moysklad)
    lines.push(
      `  MoySklad: ${config.integrations.moysklad.baseUrl}, changes every ${config.integrations.moysklad.pollSeconds} s`,
    );
  if (ctx.sheetsWatcher)
    lines.push(
      `  watched folder: ${config.integrations.spreadsheet.watchDir}, every ${config.integrations.spreadsheet.watchSeconds} s`,
    );
  if (!ctx.pdf.available) lines.push(`  WARNING: order PDFs are off: ${ctx.pdf.reason ?? 'no Chromium found'}`);
  if (config.demo) {
    lines.push('  demo logins:');
    for (const login of demoLogins) lines.push(`    ${login.role.padEnd(8)} ${login.email}  ${login.password}`);
  }
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.log.info({ signal }, 'shutting down');
    await app.close();
    await ctx.close();
    rmSync(pid, { force: true });
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  return new Promise<number>(() => {});
}
