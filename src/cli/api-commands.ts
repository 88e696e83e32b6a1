import { allTokens, ApiTokenInputError, createApiToken, parseScopes, revokeApiToken, scopesOf } from '../accounts/api-tokens.js';
import { createResetLink } from '../accounts/invitations.js';
import { createUser, findUserByEmail, setPassword, UserInputError } from '../accounts/users.js';
import type { Role } from '../db/schema.js';
import type { ParsedArgs } from './args.js';
import { CliError, configFromArgs, openPrepared } from './runtime.js';

const CREATE_USER_USAGE =
  'usage: optovik create-user --role buyer --company-inn <INN> --email <email> [--name <name>] [--password <password>]\n' +
  '       optovik create-user --role manager --email <email> [--name <name>] [--password <password>]';

/**
 * `create-user`: a buyer of the company with this INN, or a manager. Without --password it prints
 * a set-your-password link (as create-admin does), so no password lands in the shell history.
 */
export async function createUserCommand(args: ParsedArgs): Promise<number> {
  const role = args.flags.role as Role | undefined;
  const email = args.flags.email;
  const inn = args.flags['company-inn']?.trim();
  if ((role !== 'buyer' && role !== 'manager') || !email) throw new CliError(CREATE_USER_USAGE);
  if (role === 'buyer' && (!inn || !/^(\d{10}|\d{12})$/.test(inn)))
    throw new CliError(`a buyer needs --company-inn with a 10- or 12-digit INN\n${CREATE_USER_USAGE}`);
  const { ctx } = await openPrepared(configFromArgs(args), { seedDemo: false });
  try {
    let companyId: number | null = null;
    if (role === 'buyer') {
      const companies = await ctx.db
        .selectFrom('legal_entities as e')
        .innerJoin('companies as c', 'c.id', 'e.company_id')
        .select(['c.id', 'c.name', 'c.disabled_at'])
        .distinct()
        .where('e.inn', '=', inn ?? '')
        .orderBy('c.id')
        .execute();
      if (companies.length === 0)
        throw new CliError(`no company has a legal entity with INN ${inn}; create the company first (admin page "Компании")`);
      if (companies.length > 1)
        throw new CliError(`several companies have INN ${inn}: ${companies.map((c) => `${c.id} "${c.name}"`).join(', ')}`);
      const company = companies[0] as (typeof companies)[number];
      if (company.disabled_at !== null) throw new CliError(`the company "${company.name}" with INN ${inn} is disabled`);
      companyId = company.id;
    }
    if (await findUserByEmail(ctx.db, email)) throw new CliError(`a user with the email ${email} already exists`);
    const user = await createUser(ctx.db, ctx.clock, { email, name: args.flags.name ?? email, role, companyId });
    const password = args.flags.password;
    if (password) {
      await setPassword(ctx.db, ctx.clock, user.id, password, ctx.config.auth.passwordMinLength);
      console.log(
        `${role === 'buyer' ? 'Buyer' : 'Manager'} ${user.email} created. Log in at ${ctx.config.server.publicUrl}/login`,
      );
    } else {
      const token = await createResetLink(ctx, user);
      console.log(
        `${role === 'buyer' ? 'Buyer' : 'Manager'} ${user.email} created. Set the password within ${ctx.config.auth.resetLinkHours} h at:`,
      );
      console.log(`  ${ctx.config.server.publicUrl}/reset-password/${token}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof UserInputError) {
      throw new CliError(
        error.code === 'password_short'
          ? `the password must be at least ${ctx.config.auth.passwordMinLength} characters long`
          : `${error.field}: ${error.code.replace('_', ' ')}`,
      );
    }
    throw error;
  } finally {
    await ctx.close();
  }
}

const API_TOKEN_USAGE =
  'usage: optovik api-token create --email <email> [--name <name>] [--scopes read,order]\n' +
  '       optovik api-token list [--email <email>]\n' +
  '       optovik api-token revoke <id>';

/** `api-token create|list|revoke`. `create` prints the token alone on its last line, for scripts. */
export async function apiTokenCommand(args: ParsedArgs): Promise<number> {
  const action = args.positional[1];
  if (action !== 'create' && action !== 'list' && action !== 'revoke') throw new CliError(API_TOKEN_USAGE);
  const email = args.flags.email;
  if (action === 'create' && !email) throw new CliError(API_TOKEN_USAGE);
  const revokeId = action === 'revoke' ? Number(args.positional[2]) : 0;
  if (action === 'revoke' && !Number.isSafeInteger(revokeId)) throw new CliError(API_TOKEN_USAGE);
  const { ctx } = await openPrepared(configFromArgs(args), { seedDemo: false });
  try {
    if (action === 'list') {
      const tokens = (await allTokens(ctx.db, 10_000)).filter((t) => !email || t.user_email === email.trim().toLowerCase());
      for (const t of tokens) {
        const state = t.revoked_at !== null ? 'revoked' : 'active';
        console.log(`${t.id}\t${t.user_email}\t${t.name}\t${t.token_prefix}…\t${scopesOf(t).join(',')}\t${state}`);
      }
      if (tokens.length === 0) console.log('No tokens.');
      return 0;
    }
    if (action === 'revoke') {
      const done = await revokeApiToken(ctx.db, ctx.clock, revokeId, 'operator');
      if (!done) throw new CliError(`no active token with id ${revokeId}`);
      console.log(`Token ${revokeId} revoked.`);
      return 0;
    }
    const user = await findUserByEmail(ctx.db, email ?? '');
    if (!user) throw new CliError(`no user with the email ${email}`);
    let scopes: ReturnType<typeof parseScopes>;
    try {
      scopes = parseScopes(args.flags.scopes ?? 'read');
    } catch {
      throw new CliError(`--scopes takes read, order or read,order\n${API_TOKEN_USAGE}`);
    }
    const { token, row } = await createApiToken(ctx.db, ctx.clock, user, { name: args.flags.name ?? 'API', scopes });
    console.log(`Token ${row.id} "${row.name}" for ${user.email} (${scopes.join(', ')}); it is shown only now:`);
    console.log(token);
    return 0;
  } catch (error) {
    if (error instanceof ApiTokenInputError)
      throw new CliError(error.code === 'user_disabled' ? `the user ${email} is disabled` : error.code);
    throw error;
  } finally {
    await ctx.close();
  }
}
