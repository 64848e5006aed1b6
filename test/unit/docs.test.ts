import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync('README.md', 'utf-8');

describe('the README', () => {
  it.each(readdirSync('athena').filter((f) => f.endsWith('.sql')))(
    'quotes the saved Athena query %s word for word',
    (file) => {
      const sql = readFileSync(`athena/${file}`, 'utf-8');

      expect(readme).toContain(`\`\`\`sql\n${sql}\`\`\``);
    },
  );
});
