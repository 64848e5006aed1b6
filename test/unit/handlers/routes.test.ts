import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../../lib/http/routes';
import { declaredRoutes } from '../../support/serverless-yml';

describe('the route list the catch-all answers 405 from', () => {
  it('is the list of HTTP routes serverless.yml declares', () => {
    const declared = declaredRoutes(readFileSync('serverless.yml', 'utf-8'))
      .filter((route) => route !== '*')
      .sort();

    const listed = Object.entries(ROUTES)
      .map(([path, method]) => `${method} ${path}`)
      .sort();

    expect(listed).toEqual(declared);
  });
});
