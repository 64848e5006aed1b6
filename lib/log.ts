/** Fields attached to a log line. */
export type LogFields = Record<string, unknown>;

function emit(level: 'info' | 'warn' | 'error', message: string, fields: LogFields): void {
  const line = JSON.stringify({ level, message, ...fields, time: new Date().toISOString() });
  if (level === 'info') console.info(line);
  else if (level === 'warn') console.warn(line);
  else console.error(line);
}

/** Structured JSON log lines, one per call, on the console CloudWatch reads. */
export const log = {
  info: (message: string, fields: LogFields = {}) => emit('info', message, fields),
  warn: (message: string, fields: LogFields = {}) => emit('warn', message, fields),
  error: (message: string, fields: LogFields = {}) => emit('error', message, fields),
};

/** The message and name of a thrown value, for a log line. */
export function describeError(err: unknown): LogFields {
  if (err instanceof Error) {
    const cause =
      err.cause instanceof Error ? `${err.cause.name}: ${err.cause.message}` : undefined;
    return { err: `${err.name}: ${err.message}`, ...(cause ? { cause } : {}) };
  }
  return { err: String(err) };
}
