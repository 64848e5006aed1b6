import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTE_ACCESS, ROUTES } from '../../../lib/http/routes';
import { declaredRoutes } from '../../support/serverless-yml';

const declared = declaredRoutes(readFileSync('serverless.yml', 'utf-8'))
  .filter((route) => route !== '*')
  .sort();

describe('the route table with the scope of each route', () => {
  it('holds every HTTP route serverless.yml declares, and no other', () => {
    expect(Object.keys(ROUTE_ACCESS).sort()).toEqual(declared);
  });
});

describe('the route list the catch-all answers 405 from', () => {
  it('is the list of HTTP routes serverless.yml declares', () => {
    const listed = Object.entries(ROUTES)
      .flatMap(([path, methods]) => methods.map((method) => `${method} ${path}`))
      .sort();

    expect(listed).toEqual(declared);
  });
});
