import { afterEach, describe, expect, it } from 'vitest';
import { onStopRequest, STOP_SIGNALS } from '../../../dev/stop-request';

// The stop request of npm start; what it does to real processes is checked
// in test/e2e/npm-start-stop.test.ts.

describe('onStopRequest', () => {
  let dispose = () => {};
  afterEach(() => dispose());

  it.each(STOP_SIGNALS)('asks for a stop on %s', (signal) => {
    const reasons: string[] = [];
    dispose = onStopRequest((reason) => reasons.push(reason));

    process.emit(signal, signal);

    expect(reasons).toEqual([signal]);
  });

  it('asks once, whatever arrives after', () => {
    const reasons: string[] = [];
    dispose = onStopRequest((reason) => reasons.push(reason));

    process.emit('SIGINT', 'SIGINT');
    process.emit('SIGTERM', 'SIGTERM');

    expect(reasons).toEqual(['SIGINT']);
  });

  it('leaves the signals alone once disposed', () => {
    const before = STOP_SIGNALS.map((s) => process.listenerCount(s));

    onStopRequest(() => {})();

    expect(STOP_SIGNALS.map((s) => process.listenerCount(s))).toEqual(before);
  });
});
