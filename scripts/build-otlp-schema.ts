// `npm run build:otlp-schema`: compiles the vendored .proto files (proto/)
// into the module the OTLP receiver loads them from.
import { writeFileSync } from 'node:fs';
import { OTLP_SCHEMA_FILE, otlpSchemaModule } from '../dev/otlp-schema';

const module = otlpSchemaModule();
writeFileSync(OTLP_SCHEMA_FILE, module);
console.log(`wrote ${OTLP_SCHEMA_FILE} (${Buffer.byteLength(module)} bytes)`);
