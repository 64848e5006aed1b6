// Loaded into the emulator's process before serverless-offline
// (NODE_OPTIONS=--import, dev/emulator-process.ts): installs the load hook
// that patches serverless-offline where it differs from API Gateway.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
