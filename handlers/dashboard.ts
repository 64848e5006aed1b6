import { dashboardPage } from '../lib/dashboard/page';
import { httpHandler } from '../lib/http/handler';

/** GET /observer/: the dashboard page (static; its data comes from the API, with the token). */
export const handler = httpHandler(async () => dashboardPage());
