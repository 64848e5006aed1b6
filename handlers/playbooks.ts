import { admit, getStore } from '../lib/app/runtime';
import { httpHandler } from '../lib/http/handler';
import { json } from '../lib/http/response';
import { decodePlaybooks } from '../lib/runs/playbooks';
import { PLAYBOOKS_KEY } from '../lib/storage/keys';

/** GET /observer/playbooks: what the snapshot function last stored; one S3 read. */
export const handler = httpHandler(async (event) => {
  await admit(event, 'read');
  return json(200, decodePlaybooks(await getStore().getDocument(PLAYBOOKS_KEY)));
});
