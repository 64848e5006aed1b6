// A local S3 server in its own process, as a user's S3 would be:
//   node --openssl-legacy-provider --import tsx scripts/s3-server.ts <directory> <bucket> [port]
// Prints one JSON line {"endpoint": "..."} once it listens; stops on SIGTERM/SIGINT.
import { startLocalS3 } from '../dev/local-s3';

const [directory = '.data/s3', bucket = 'observer-local', port = '0'] = process.argv.slice(2);
const s3 = await startLocalS3({ directory, bucket, port: Number(port) });
process.stdout.write(`${JSON.stringify({ endpoint: s3.endpoint })}\n`);
const stop = () => void s3.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
