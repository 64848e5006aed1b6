import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OTLP_SCHEMA_FILE, otlpSchemaModule } from '../../../dev/otlp-schema';

describe('the compiled OTLP schema', () => {
  it('is what the vendored .proto files compile to (npm run build:otlp-schema)', () => {
    expect(readFileSync(OTLP_SCHEMA_FILE, 'utf-8')).toBe(otlpSchemaModule());
  });
});
