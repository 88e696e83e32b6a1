import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/args.js';
import { main } from '../src/cli/main.js';

describe('the command line', () => {
  it('takes options with a space or an equals sign, anywhere among the words', () => {
    expect(parseArgs(['create-admin', '--email', 'root@portal.test', '--name=Root', '--config', 'x.yml'])).toEqual({
      positional: ['create-admin'],
      flags: { email: 'root@portal.test', name: 'Root', config: 'x.yml' },
    });
    expect(parseArgs(['mail', 'test', 'a@b.test'])).toEqual({ positional: ['mail', 'test', 'a@b.test'], flags: {} });
  });

  it('refuses an unknown option or a missing value with the help, exit code 2', async () => {
    expect(() => parseArgs(['--bogus'])).toThrow(/Unknown option '--bogus'/);
    expect(() => parseArgs(['create-admin', '--email'])).toThrow(/argument missing/);
    // The command never runs: nothing listens on port 80, the exit code says "usage".
    expect(await main(['serve', '--port', '80'])).toBe(2);
  });
});
