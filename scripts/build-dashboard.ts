// `npm run build:dashboard`: bundles the dashboard's browser code
// (lib/dashboard/client/) into the module the function serves it from.
import { writeFileSync } from 'node:fs';
import { bundleDashboardScript, DASHBOARD_SCRIPT_FILE } from '../dev/dashboard-bundle';

const module = await bundleDashboardScript();
writeFileSync(DASHBOARD_SCRIPT_FILE, module);
console.log(`wrote ${DASHBOARD_SCRIPT_FILE} (${Buffer.byteLength(module)} bytes)`);
