import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';

// Every test file starts as a container configured for the test S3 server.
process.env.S3_ENDPOINT = inject('s3Endpoint');
process.env.OBSERVER_BUCKET = inject('s3Bucket');
// A prefix of this file's own: no test file sees what another one stored.
process.env.OBSERVER_PREFIX = `unit-${randomUUID().slice(0, 8)}/`;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
delete process.env.OBSERVER_API_TOKEN;
// Log and metric lines go through the global console, where tests can watch them.
process.env.POWERTOOLS_DEV = 'true';
// Dev mode would switch metrics off; tests assert them.
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
// Tests read what they have just written: every read lists. The staleness a
// deployment allows by default (5 s) has tests of its own
// (test/unit/ring/staleness.test.ts, and the local stack's e2e tests).
process.env.OBSERVER_MAX_STALENESS_MS = '0';
