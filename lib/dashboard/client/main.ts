/// <reference lib="dom" />
// The page's script: bundled by `npm run build:dashboard` into script.generated.ts.
import { DashboardApp } from './app';

new DashboardApp(window).start();
