import { describe, expect, it } from 'vitest';
import { clusterFailures, failureClusterId } from '../../../lib/failures/clustering/clusters';
import { IssueGrouper, noErrorIssueId } from '../../../lib/issues/grouping';
import { op } from '../../support/ops';

/** Assigns each error on one endpoint with one grouper; the ids, in order. */
function assignAll(grouper: IssueGrouper, errors: readonly string[], endpoint = 'fill'): string[] {
  return errors.map((e) => grouper.assign(endpoint, e).id);
}

describe('IssueGrouper', () => {
  it('names an issue by its endpoint and the template it was founded with, in every container', () => {
    const a = new IssueGrouper().assign('fill', 'disk full on /dev/sda1');
    const b = new IssueGrouper().assign('fill', 'disk full on /dev/sdb7');

    expect(a).toEqual({
      id: failureClusterId('fill', 'disk full on <*>'),
      founded: true,
      folds: [],
    });
    expect(b.id).toBe(a.id);
  });

  it('makes two issues of one error on two endpoints', () => {
    const grouper = new IssueGrouper();

    expect(grouper.assign('fill', 'arc lost').id).not.toBe(grouper.assign('weld', 'arc lost').id);
  });

  it('gives failed ops without an error one issue per endpoint', () => {
    const grouper = new IssueGrouper();

    expect(grouper.assign('fill', undefined).id).toBe(noErrorIssueId('fill'));
    expect(grouper.assign('fill', '  ').id).toBe(noErrorIssueId('fill'));
    expect(grouper.template(noErrorIssueId('fill'))).toBeUndefined();
  });

  it('generalises a varying word as the miner does, the variants folding into the first issue', () => {
    const grouper = new IssueGrouper();
    const errors = ['user alice not found', 'user bob not found', 'user carol not found'];

    const ids = assignAll(grouper, errors);
    const { folds } = grouper.assign('fill', 'user dave not found');

    expect(ids[0]).toBe(failureClusterId('fill', 'user alice not found'));
    expect(ids[2]).toBe(ids[0]);
    expect(grouper.template(ids[0] as string)).toBe('user <*> not found');
    expect(grouper.assign('fill', 'user erin not found').id).toBe(ids[0]);
    expect(folds).toEqual([]);
    expect(
      clusterFailures(
        errors.map((error, line) => ({
          key: 'k',
          line,
          op: op('fill', { success: false, error }),
        })),
        0,
      ).map((c) => c.template),
    ).toEqual(['user <*> not found']);
  });

  it('reports the variants that fold, so their history can move', () => {
    const grouper = new IssueGrouper();
    const [alice, bob] = assignAll(grouper, ['user alice not found', 'user bob not found']);

    const { id, folds } = grouper.assign('fill', 'user carol not found');

    expect(bob).not.toBe(alice);
    expect(id).toBe(alice);
    expect(folds.map(([, into]) => into)).toEqual(folds.map(() => alice));
    expect(folds.map(([from]) => from)).toContain(bob);
  });

  it('assigns as before when restored from its records, mid-way through a log', () => {
    const errors = [
      'timeout after 30 ms waiting for db-1',
      'user alice not found',
      'timeout after 45 ms waiting for db-2',
      'user bob not found',
      'quota of tenant t-9 exceeded',
      'user carol not found',
      'quota of tenant t-12 exceeded',
      'user dave not found',
    ];
    const whole = new IssueGrouper();
    const wholeIds = assignAll(whole, errors);

    const first = new IssueGrouper();
    const head = assignAll(first, errors.slice(0, 4));
    const restored = new IssueGrouper(first.records());
    const tail = assignAll(restored, errors.slice(4));

    expect([...head, ...tail]).toEqual(wholeIds);
    expect(restored.records()).toEqual(whole.records());
  });

  it('matches without founding: an error no template fits has no issue yet', () => {
    const grouper = new IssueGrouper();
    const id = grouper.assign('fill', 'connection refused to 10.0.0.1:5432').id;

    expect(grouper.match('fill', 'connection refused to 10.0.0.2:5432')).toBe(id);
    expect(grouper.match('fill', 'something else entirely')).toBeUndefined();
    expect(grouper.records()).toHaveLength(1);
  });

  it('never gives a new issue an id another issue holds outside the trees', () => {
    const taken = failureClusterId('fill', 'arc lost');
    const grouper = new IssueGrouper([], (id) => id === taken);

    expect(grouper.assign('fill', 'arc lost').id).toBe(`${taken}-2`);
  });
});
