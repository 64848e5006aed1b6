import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../../..');

function cluster(input: string, args: string[] = []) {
  const run = spawnSync('node', ['--import', 'tsx', 'scripts/cluster.ts', ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
  });
  const lines = run.stdout.split('\n').filter((l) => l !== '');
  return { status: run.status, stderr: run.stderr, out: lines.map((l) => JSON.parse(l)) };
}

describe('the cluster CLI', () => {
  it('prints one object per input line, in order, with its final cluster and template', () => {
    const users = ['admin', 'oracle', 'test', 'pi'];
    const input = [
      ...users.map((u, i) => `Invalid user ${u} from 10.0.0.${i}`),
      '',
      'Connection closed by 10.0.0.9 [preauth]\r',
    ].join('\n');
    const { status, out } = cluster(`${input}\n`);
    expect(status).toBe(0);
    expect(out.map((o) => o.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(out.slice(0, 4).map((o) => o.cluster)).size).toBe(1);
    expect(out[0].template).toBe('Invalid user <*> from <*>');
    expect(out[4]).toMatchObject({ template: '' });
    expect(out[5]).toMatchObject({ template: 'Connection closed by <*> [preauth]' });
    expect(new Set(out.map((o) => o.cluster)).size).toBe(3);
  });

  it('takes a last line without a newline, and prints nothing for no input', () => {
    expect(cluster('a b c\nd e f').out).toHaveLength(2);
    expect(cluster('')).toMatchObject({ status: 0, out: [] });
  });

  it('reads a pipe from a producer of 100,000 lines and answers every line', async () => {
    const lines = 100_000;
    const producer = spawn(
      'node',
      [
        '-e',
        `for (let i = 0; i < ${lines}; i++) console.log('Timeout calling tool t' + (i % 7) + ' after ' + i + 'ms')`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const cli = spawn('node', ['--import', 'tsx', 'scripts/cluster.ts'], {
      cwd: ROOT,
      stdio: [producer.stdout, 'pipe', 'pipe'],
    });
    let count = 0;
    let last = '';
    let rest = '';
    cli.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() as string;
      count += parts.length;
      if (parts.length > 0) last = parts[parts.length - 1] as string;
    });
    let stderr = '';
    cli.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const [status] = await once(cli, 'close');

    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(count).toBe(lines);
    expect(JSON.parse(last)).toMatchObject({ line: lines });
  }, 60_000);

  it('refuses a line over 1 MiB', () => {
    const { status, stderr } = cluster(`short\n${'x'.repeat(1024 * 1024 + 1)}\n`);
    expect(status).toBe(2);
    expect(stderr).toMatch(/line 2 is over/);
  });

  it('refuses arguments with a usage message', () => {
    const { status, stderr } = cluster('x\n', ['--depth', '3']);
    expect(status).toBe(2);
    expect(stderr).toMatch(/takes no arguments/);
  });
});
