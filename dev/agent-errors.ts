// A labelled set of synthetic agent and tool error messages, to check the
// template miner on the kind of failures the service groups: tool timeouts,
// HTTP and JSON-RPC errors, rate limits, file system and network errors, with
// model names, versions, paths, ids and durations as their values. It is
// written from the shapes of such errors, as a sanity check beside the
// Loghub samples, not as a set to fit: one event (a command of varying
// length after a colon) is known to split.
import type { LabelledMessage } from './loghub';
import { seededRandom } from './random';

/** One kind of error: how to make a message of it, and what its template must keep. */
export interface AgentErrorEvent {
  /** The true event id. */
  event: string;
  /** Relative frequency. */
  weight: number;
  /** Words and names that are the same in every message of the event and must stay whole in its template. */
  names: readonly string[];
  make: (pick: Picker) => string;
}

/** Draws values for one message. */
export interface Picker {
  one<T>(values: readonly T[]): T;
  int(min: number, max: number): number;
  hex(length: number): string;
  alnum(length: number): string;
  uuid(): string;
}

const TOOLS = ['search', 'fetch', 'read_file', 'write_file', 'list_dir', 'run_shell', 'browse'];
const OPENAI_MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1-mini', 'o1-mini', 'o3-mini'];
const OPEN_MODELS = ['llama-3.1-8b', 'llama-3.1-70b', 'mistral-7b-instruct', 'qwen2.5-72b'];
const FIELDS = ['query', 'path', 'url', 'content', 'max_results'];
const HOSTS = ['api.example.com', 'registry.npmjs.org', 'pypi.org', 'github.com', 'internal.corp'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
const IMAGES = ['python:3.12-slim', 'node:20-alpine', 'ubuntu:22.04', 'postgres:16', 'redis:7'];
const DIRS = ['/work/repo/src', '/work/repo/test/unit', '/tmp/agent-run', '/home/agent/.cache'];
const FILES = ['index.ts', 'config.yaml', 'main.py', 'README.md', 'data.json', 'notes.txt'];

const path = (p: Picker) => `${p.one(DIRS)}/${p.one(FILES)}`;
const millis = (p: Picker) =>
  p.one([`${p.int(1, 999)}ms`, `${p.int(1, 59)}s`, `${p.int(1, 9)}.${p.int(0, 9)}s`]);
const iso = (p: Picker) =>
  `2026-${String(p.int(1, 12)).padStart(2, '0')}-${String(p.int(1, 28)).padStart(2, '0')}T${String(p.int(0, 23)).padStart(2, '0')}:${String(p.int(0, 59)).padStart(2, '0')}:00Z`;

/** The events, most frequent first. */
export const AGENT_ERROR_EVENTS: readonly AgentErrorEvent[] = [
  {
    event: 'tool-timeout',
    weight: 40,
    names: [],
    make: (p) => `Timeout calling tool ${p.one(TOOLS)} after ${p.int(1000, 120000)}ms`,
  },
  {
    event: 'openai-rate-limit',
    weight: 30,
    names: [],
    make: (p) =>
      `Rate limit reached for ${p.one(OPENAI_MODELS)} in organization org-${p.alnum(12)} on tokens per min (TPM): Limit ${p.int(10, 90) * 1000}, Used ${p.int(9000, 89000)}, Requested ${p.int(100, 9000)}. Please try again in ${millis(p)}.`,
  },
  {
    event: 'enoent',
    weight: 25,
    names: ['ENOENT'],
    make: (p) => `ENOENT: no such file or directory, open '${path(p)}'`,
  },
  {
    event: 'econnrefused',
    weight: 20,
    names: ['ECONNREFUSED'],
    make: (p) =>
      `connect ECONNREFUSED 10.${p.int(0, 255)}.${p.int(0, 255)}.${p.int(1, 254)}:${p.int(1024, 65535)}`,
  },
  {
    event: 'http-503',
    weight: 18,
    names: ['Unavailable'],
    make: (p) =>
      `HTTP 503 Service Unavailable from https://${p.one(HOSTS)}/v1/${p.one(TOOLS)}?id=${p.int(1, 9999)}`,
  },
  {
    event: 'http-404',
    weight: 8,
    names: ['Found'],
    make: (p) => `HTTP 404 Not Found from https://${p.one(HOSTS)}/v1/items/${p.int(1, 99999)}`,
  },
  {
    event: 'claude-overloaded',
    weight: 15,
    names: ['claude-3-5-sonnet-latest'],
    make: (p) =>
      `Model claude-3-5-sonnet-latest is overloaded, retry after ${p.int(1, 60)} seconds`,
  },
  {
    event: 'context-length',
    weight: 12,
    names: [],
    make: (p) =>
      `Context length exceeded: ${p.int(8200, 140000)} tokens > ${p.one([8192, 32768, 131072])} maximum for ${p.one(OPEN_MODELS)}`,
  },
  {
    event: 'rpc-method',
    weight: 10,
    names: ['Method'],
    make: (p) =>
      `JSON-RPC error -32601: Method not found: ${p.one(['resources/read', 'prompts/get', 'tools/describe', 'sampling/create'])}`,
  },
  {
    event: 'rpc-params',
    weight: 10,
    names: ['Invalid', 'params'],
    make: (p) => `JSON-RPC error -32602: Invalid params: missing required field '${p.one(FIELDS)}'`,
  },
  {
    event: 'enotfound',
    weight: 9,
    names: ['ENOTFOUND'],
    make: (p) => `getaddrinfo ENOTFOUND ${p.one(HOSTS)}`,
  },
  {
    event: 'eacces',
    weight: 7,
    names: ['EACCES'],
    make: (p) => `EACCES: permission denied, mkdir '${p.one(DIRS)}/out-${p.int(1, 500)}'`,
  },
  {
    event: 'user-quota',
    weight: 7,
    names: [],
    make: (p) =>
      `User ${p.one(USERS)} exceeded quota of ${p.int(1, 50) * 10} requests per ${p.one(['minute', 'hour', 'day'])}`,
  },
  {
    event: 'task-cancelled',
    weight: 6,
    names: [],
    make: (p) => `Task ${p.uuid()} cancelled by user`,
  },
  {
    event: 'utf8-only',
    weight: 5,
    names: ['utf-16le', 'utf-8'],
    make: () => 'Unsupported encoding utf-16le; only utf-8 is accepted',
  },
  {
    event: 's3-slowdown',
    weight: 5,
    names: ['PutObject'],
    make: (p) =>
      `S3 PutObject failed for s3://agent-artifacts/${p.one(TOOLS)}/${p.hex(12)}.json: SlowDown`,
  },
  {
    event: 'ec2-throttled',
    weight: 4,
    names: ['ec2', 'us-east-1'],
    make: (p) => `ec2 DescribeInstances throttled in us-east-1 (request id ${p.uuid()})`,
  },
  {
    event: 'http2-reset',
    weight: 4,
    names: ['http2'],
    make: (p) => `http2 stream ${p.int(1, 999) * 2 + 1} reset by peer: PROTOCOL_ERROR`,
  },
  {
    event: 'ipv6-fallback',
    weight: 3,
    names: ['ipv6', 'ipv4'],
    make: (p) => `ipv6 is disabled on this host; falling back to ipv4 for ${p.one(HOSTS)}`,
  },
  {
    event: 'validation',
    weight: 6,
    names: [],
    make: (p) =>
      `Validation failed for field "${p.one(FIELDS)}": expected string, got ${p.one(['number', 'null', 'object', 'array'])}`,
  },
  {
    event: 'truncated',
    weight: 5,
    names: [],
    make: (p) => {
      const n = p.int(20000, 900000);
      return `Tool output truncated at ${n} bytes (${(n / 1024).toFixed(1)} KB)`;
    },
  },
  {
    event: 'image-pull',
    weight: 4,
    names: [],
    make: (p) => `Docker image pull failed: manifest for ${p.one(IMAGES)} not found`,
  },
  {
    event: 'sha-mismatch',
    weight: 3,
    names: ['sha256'],
    make: (p) => `sha256 mismatch for ${p.one(FILES)}: expected ${p.hex(64)}, got ${p.hex(64)}`,
  },
  {
    event: 'ws-closed',
    weight: 3,
    names: ['abnormal', 'closure'],
    make: (p) => `websocket closed with code 1006 (abnormal closure) after ${millis(p)}`,
  },
  {
    event: 'o1-temperature',
    weight: 3,
    names: ['o1-mini'],
    make: (p) => `o1-mini does not support 'temperature' with value ${p.int(0, 1)}.${p.int(0, 9)}`,
  },
  {
    event: 'retrying',
    weight: 8,
    names: [],
    make: (p) => `Retrying in ${p.int(1, 30)}s (attempt ${p.int(1, 5)}/5)`,
  },
  {
    event: 'tls-expired',
    weight: 2,
    names: [],
    make: (p) =>
      `TLS handshake with ${p.one(HOSTS)}:443 failed: certificate has expired (at ${iso(p)})`,
  },
  {
    event: 'api-key',
    weight: 2,
    names: [],
    make: (p) => `Invalid API key provided: sk-proj-****${p.alnum(4)}`,
  },
  {
    event: 'exit-code',
    weight: 6,
    names: [],
    make: (p) =>
      `Process exited with code ${p.int(1, 137)}: ${p.one(['npm test', 'pytest -q tests/', 'make build', 'cargo test --release', 'tsc'])}`,
  },
  {
    event: 'anthropic-529',
    weight: 2,
    names: ['overloaded_error'],
    make: () =>
      'anthropic API error 529: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
  },
];

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function picker(random: () => number): Picker {
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const from = (chars: string, n: number) =>
    Array.from({ length: n }, () => chars[int(0, chars.length - 1)]).join('');
  return {
    one: (values) => values[int(0, values.length - 1)] as (typeof values)[number],
    int,
    hex: (n) => from('0123456789abcdef', n),
    alnum: (n) => from(ALNUM, n),
    uuid: () => [8, 4, 4, 4, 12].map((n) => from('0123456789abcdef', n)).join('-'),
  };
}

/** `size` messages drawn from the events by weight, the same for the same seed. */
export function agentErrorSet(size = 3000, seed = 20261205): LabelledMessage[] {
  const random = seededRandom(seed);
  const pick = picker(random);
  const total = AGENT_ERROR_EVENTS.reduce((n, e) => n + e.weight, 0);
  return Array.from({ length: size }, () => {
    const draw = random() * total;
    let below = 0;
    const chosen =
      AGENT_ERROR_EVENTS.find((e) => {
        below += e.weight;
        return draw < below;
      }) ?? (AGENT_ERROR_EVENTS[0] as AgentErrorEvent);
    return { content: chosen.make(pick), event: chosen.event };
  });
}
