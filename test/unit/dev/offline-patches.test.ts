import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyPatches, PATCHES } from '../../../dev/offline-patches/hooks.mjs';

// The patches the local stack makes to serverless-offline as it loads
// (test/e2e/body-parity.test.ts checks what they change over HTTP;
// test/e2e/otlp.test.ts sends protobuf and gzip through them).

const urlOf = (file: string) => pathToFileURL(`${process.cwd()}/node_modules/${file}`).href;

describe('the serverless-offline patches', () => {
  it.each(PATCHES.map((p) => [p.name, p] as const))(
    '"%s" applies once to the installed serverless-offline',
    (_name, patch) => {
      const source = readFileSync(`node_modules/${patch.file}`, 'utf8');

      const patched = applyPatches(urlOf(patch.file), source);

      expect(patched.split(patch.replace).length - 1).toBe(1);
      expect(patched).not.toContain(patch.find);
    },
  );

  it('fails the load, naming the patch, when its text is not in the file', () => {
    const [patch] = PATCHES;
    if (patch === undefined) throw new Error('no patch');

    expect(() => applyPatches(urlOf(patch.file), 'export default 1\n')).toThrow(
      `serverless-offline patch "${patch.name}"`,
    );
  });

  it('leaves every other module as it is', () => {
    const source = 'let body = this.#request.payload\n';

    expect(applyPatches(urlOf('serverless-offline/src/other.js'), source)).toBe(source);
  });
});

describe('the binary bodies patch', () => {
  const patch = PATCHES.find((p) => p.name === 'binary bodies');
  const detect = (headers: Record<string, string>): string => {
    const source = readFileSync(`node_modules/${patch?.file}`, 'utf8');
    const body = applyPatches(urlOf(patch?.file ?? ''), source);
    const fn = /export function detectEncoding\(request\) \{([\s\S]*?)\n\}/.exec(body)?.[1] ?? '';
    return new Function('request', 'possibleBinaryContentTypes', fn)({ headers }, []) as string;
  };

  it.each([
    [{ 'content-type': 'application/x-protobuf' }, 'binary'],
    [{ 'content-type': 'application/octet-stream' }, 'binary'],
    [{ 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'binary'],
    [{ 'content-type': 'application/json' }, 'utf8'],
    [{ 'content-type': 'application/json; charset=utf-8' }, 'utf8'],
    [{ 'content-type': 'application/problem+json' }, 'utf8'],
    [{ 'content-type': 'text/plain' }, 'utf8'],
    [{}, 'utf8'],
  ])('reads %j as %s', (headers, encoding) => {
    expect(detect(headers)).toBe(encoding);
  });
});
