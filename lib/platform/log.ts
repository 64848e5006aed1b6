import { Console } from 'node:console';
import { isDevMode } from '@aws-lambda-powertools/commons/utils/env';
import { Logger, type LogItem, LogLevelThreshold } from '@aws-lambda-powertools/logger';

/** Fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** The service name on every log line and metric: POWERTOOLS_SERVICE_NAME, else `observer`. */
export const SERVICE_NAME = process.env.POWERTOOLS_SERVICE_NAME || 'observer';

// In Lambda, lines go straight to stdout/stderr: the runtime's console would
// prefix each with a timestamp and request id, and CloudWatch would no longer
// read it as JSON. With POWERTOOLS_DEV (tests, local runs) they go through
// the global console, looked up per line, so a test can watch them.
const ownConsole = isDevMode()
  ? undefined
  : new Console({ stdout: process.stdout, stderr: process.stderr });

// Lambda sets this for an on-demand container, and Powertools reports a cold
// start only then; emulators (serverless-offline, invoke local, tests) do
// not set it, and every request would claim a warm container.
process.env.AWS_LAMBDA_INITIALIZATION_TYPE ??= 'on-demand';

/**
 * The Powertools logger, printing every entry as one compact JSON line and
 * remembering whether the invocation being served is its container's first
 * (Powertools' own cold-start tracking, read once per invocation).
 */
class JsonLineLogger extends Logger {
  private servingColdStart = false;

  /** Called once per invocation (by `addContext`, or by `startInvocation`). */
  protected override getColdStart(): boolean {
    this.servingColdStart = super.getColdStart();
    return this.servingColdStart;
  }

  /** Starts an invocation that has no Lambda context (a direct call in a test or script). */
  startInvocation(): void {
    this.getColdStart();
  }

  /** Whether the invocation being served is the container's first. */
  isServingColdStart(): boolean {
    return this.servingColdStart;
  }

  /** Makes the next invocation a cold start again, as in a new container (tests). */
  restartContainer(): void {
    this.coldStart = true;
  }

  protected override printLog(level: number, item: LogItem): void {
    item.prepareForPrint();
    const line = JSON.stringify(item.getAttributes(), this.getJsonReplacer());
    const out = ownConsole ?? console;
    if (level >= LogLevelThreshold.ERROR) out.error(line);
    else if (level >= LogLevelThreshold.WARN) out.warn(line);
    else out.info(line);
  }
}

/**
 * The container's logger (Powertools): level, message, timestamp and
 * service on every line, and the Lambda context (request id, function name,
 * cold start) once a handler has added it.
 */
export const logger = new JsonLineLogger({ serviceName: SERVICE_NAME });

/** Structured JSON log lines, one per call, on the console CloudWatch reads. */
export const log = {
  info: (message: string, fields: LogFields = {}) => logger.info(message, fields),
  warn: (message: string, fields: LogFields = {}) => logger.warn(message, fields),
  error: (message: string, fields: LogFields = {}) => logger.error(message, fields),
};

/** A thrown value's message, or its string form when it is not an Error. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A thrown value as one line: `Name: message`, or its string form when it is not an Error. */
export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** The message and name of a thrown value (and of its cause), for a log line. */
export function describeError(err: unknown): LogFields {
  const cause =
    err instanceof Error && err.cause instanceof Error ? errorText(err.cause) : undefined;
  return { err: errorText(err), ...(cause ? { cause } : {}) };
}
