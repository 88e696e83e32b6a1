import { resolve } from 'node:path';
import { createResetLink } from '../accounts/invitations.js';
import { flushSessions } from '../accounts/sessions.js';
import { createUser, findUserByEmail, setPassword, UserInputError } from '../accounts/users.js';
import { redactedConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { backupTo } from '../db/migrate.js';
import { compose } from '../documents/messages.js';
import { translator } from '../i18n/index.js';
import type { ParsedArgs } from './args.js';
import { CliError, configFromArgs, openPrepared } from './runtime.js';

export async function configCheck(args: ParsedArgs): Promise<number> {
  const config = configFromArgs(args);
  console.log(config.file ? `${config.file}: OK` : 'No config file: demo mode with all defaults.');
  if (args.flags.against === undefined) {
    console.log(redactedConfig(config));
    return 0;
  }
  return checkAgainst(config, args.flags.against);
}

/** The map of fields tried on a real package: what each field found, and the names in config.yml it never found. */
async function checkAgainst(config: Config, path: string): Promise<number> {
  const { checkPackage } = await import('../integrations/commerceml/catalog/check-package.js');
  const c = config.integrations.commerceml;
  let result: Awaited<ReturnType<typeof checkPackage>>;
  try {
    result = await checkPackage(resolve(path), c.fields, c.maxPackageMb * 1024 * 1024);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${path}: no such file or folder` : `${path}: ${(error as Error).message}`);
  }
  console.log(`${path}: ${result.files.length} XML files, ${result.products} products (Товар).`);
  console.log('Field          filled');
  for (const { field, products } of result.filled) console.log(`${field.padEnd(14)} ${products} of ${result.products}`);
  if (result.unseen.length > 0) {
    console.log('\nNames in config.yml that no product has (a typo, or not in this 1C database):');
    for (const [field, name] of result.unseen) console.log(`  integrations.commerceml.fields.${field}: ${name}`);
  } else console.log('\nEvery name written in config.yml was found.');
  if (result.warningCount > 0) {
    console.log(`\n${result.warningCount} values could not be read:`);
    for (const warning of result.warnings) console.log(`  ${warning}`);
  }
  return 0;
}

export async function migrate(args: ParsedArgs): Promise<number> {
  const { ctx, report } = await openPrepared(configFromArgs(args), { seedDemo: false });
  await ctx.close();
  if (report.backup) console.log(`Backup: ${report.backup}`);
  console.log(report.applied.length ? `Applied: ${report.applied.join(', ')}` : 'The database is up to date.');
  return 0;
}

export async function backup(args: ParsedArgs): Promise<number> {
  const target = args.positional[1];
  if (!target) throw new CliError('usage: optovik backup <file>');
  // A copy of any database, the demo's too: moving one away starts with a backup.
  const { ctx } = await openPrepared(configFromArgs(args), { seedDemo: false, anyDatabase: true });
  try {
    const dest = resolve(target);
    await backupTo(ctx.database.sqlite, dest);
    console.log(`Backup written to ${dest}`);
    return 0;
  } finally {
    await ctx.close();
  }
}

export async function flushAllSessions(args: ParsedArgs): Promise<number> {
  const { ctx } = await openPrepared(configFromArgs(args), { seedDemo: false });
  try {
    const count = await flushSessions(ctx.db);
    console.log(`Signed out everyone: ${count} session(s) removed.`);
    return 0;
  } finally {
    await ctx.close();
  }
}

/**
 * Creates an admin. Without --password it prints a set-your-password link instead, so no
 * password lands in the shell history.
 */
export async function createAdmin(args: ParsedArgs): Promise<number> {
  const email = args.flags.email ?? args.positional[1];
  const name = args.flags.name ?? 'Administrator';
  if (!email) throw new CliError('usage: optovik create-admin --email <email> [--name <name>] [--password <password>]');
  const { ctx } = await openPrepared(configFromArgs(args), { seedDemo: false });
  try {
    if (await findUserByEmail(ctx.db, email)) throw new CliError(`a user with the email ${email} already exists`);
    const user = await createUser(ctx.db, ctx.clock, { email, name, role: 'admin', companyId: null });
    const password = args.flags.password;
    if (password) {
      await setPassword(ctx.db, ctx.clock, user.id, password, ctx.config.auth.passwordMinLength);
      console.log(`Admin ${user.email} created. Log in at ${ctx.config.server.publicUrl}/login`);
    } else {
      const token = await createResetLink(ctx, user);
      console.log(`Admin ${user.email} created. Set the password within ${ctx.config.auth.resetLinkHours} h at:`);
      console.log(`  ${ctx.config.server.publicUrl}/reset-password/${token}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof UserInputError) throw new CliError(cliInputMessage(error, ctx.config.auth.passwordMinLength));
    throw error;
  } finally {
    await ctx.close();
  }
}

export async function resetPassword(args: ParsedArgs): Promise<number> {
  const email = args.positional[1];
  if (!email) throw new CliError('usage: optovik reset-password <email>');
  const { ctx } = await openPrepared(configFromArgs(args), { seedDemo: false });
  try {
    const user = await findUserByEmail(ctx.db, email);
    if (!user) throw new CliError(`no user with the email ${email}`);
    const token = await createResetLink(ctx, user);
    console.log(`Password reset link for ${user.email}, valid ${ctx.config.auth.resetLinkHours} h, single use:`);
    console.log(`  ${ctx.config.server.publicUrl}/reset-password/${token}`);
    return 0;
  } finally {
    await ctx.close();
  }
}

function cliInputMessage(error: UserInputError, minLength: number): string {
  switch (error.code) {
    case 'password_short':
      return `the password must be at least ${minLength} characters long`;
    case 'email_invalid':
      return `"${error.field}" is not a valid email address`;
    default:
      return `${error.field}: ${error.code.replace('_', ' ')}`;
  }
}

/** `optovik mail test <address>`: one message through the configured mailer, with its result. */
export async function mailTest(args: ParsedArgs): Promise<number> {
  const to = args.positional[2];
  if (args.positional[1] !== 'test' || !to) throw new CliError('usage: optovik mail test <address>');
  const { ctx } = await openPrepared(configFromArgs(args), { seedDemo: false });
  try {
    const t = translator(ctx.config.site.defaultLocale);
    const site = ctx.config.site.name;
    const sent = await ctx.mailer.send({
      to,
      subject: t('mail.testSubject', { site }),
      ...compose(t, site, { greeting: t('mail.greeting', { name: to }), paragraphs: [t('mail.testText')] }),
    });
    console.log(
      sent.file
        ? `No SMTP configured: the message was written to ${sent.file}`
        : `Sent to ${to} through ${ctx.config.smtp.host}:${ctx.config.smtp.port} (${sent.messageId})`,
    );
    return 0;
  } catch (error) {
    throw new CliError(`could not send: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await ctx.close();
  }
}
