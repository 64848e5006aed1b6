// Loaded into the emulator's process before serverless-offline
// (NODE_OPTIONS=--import, emulator-process.ts). The emulator runs in a
// session of its own, so that its stop reaches the esbuild service it
// starts; then nothing ends it when the process that started it is killed
// outright (SIGKILL leaves that process no time to stop it), and it would
// keep its ports. So it stops itself once its parent is gone: SIGINT, its
// own clean stop, then an exit if that has not ended it within 5 s.

const CHECK_MS = 250;
const GRACE_MS = 5_000;

const parent = process.ppid;
// Started by init (or as init): there is no parent to outlive.
if (parent > 1) {
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    setTimeout(() => process.exit(1), GRACE_MS).unref();
    process.kill(process.pid, 'SIGINT');
  }, CHECK_MS);
  watch.unref();
}
