import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { FakeMoySklad, TOKEN } from './moysklad-fake.js';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'optovik.js');

function run(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, OPTOVIK_CONFIG: '', HOME: cwd, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

let fake: FakeMoySklad;
let dir: string;

beforeAll(async () => {
  fake = new FakeMoySklad();
  await fake.start();
  fake.put('organization', { name: 'ООО «Оптовик-Юг»', inn: '6164000000' });
  fake.put('store', { name: 'Основной склад' });
  fake.addState('Новый');
  fake.addPriceType('Оптовая');
  dir = tempDir();
  writeFileSync(
    join(dir, 'config.yml'),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${NAME} syntax of config.yml
    ['data_dir: ./data', 'log:', '  level: silent', 'integrations:', '  moysklad:', '    token: ${MS_TOKEN}', `    base_url: ${fake.url}`, ''].join('\n'),
  );
});
afterAll(async () => fake.stop());

describe('optovik moysklad', () => {
  it('check: says the token works and lists what MoySklad has, with the keys they go into', async () => {
    const res = await run(['moysklad', 'check'], dir, { MS_TOKEN: TOKEN });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('The token works');
    expect(res.stdout).toMatch(/price types \(integrations\.moysklad\.price_types.*\n\s+Оптовая/);
    expect(res.stdout).toContain('ООО «Оптовик-Юг» (INN 6164000000)');
    expect(res.stdout).toContain('config.yml matches what MoySklad has.');
  });

  it('check with a wrong token: exit 1 and a message saying which key to fix', async () => {
    const res = await run(['moysklad', 'check'], dir, { MS_TOKEN: 'wrong' });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/MoySklad check failed: MoySklad did not accept the token \(401.*check integrations\.moysklad\.token/);
  });

  it('sync --full: a progress line and a summary; a failed sync exits non-zero and says why', async () => {
    const ok = await run(['moysklad', 'sync', '--full'], dir, { MS_TOKEN: TOKEN });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('MoySklad: orders');
    expect(ok.stdout).toMatch(/MoySklad full sync done in [\d.]+ s: .*requests: \d+/);
    const bad = await run(['moysklad', 'sync'], dir, { MS_TOKEN: 'wrong' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/MoySklad sync failed: MoySklad did not accept the token/);
    const usage = await run(['moysklad', 'push'], dir, { MS_TOKEN: TOKEN });
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('usage: optovik moysklad check | optovik moysklad sync [--full]');
  });
});
