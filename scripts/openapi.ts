/** Writes docs/openapi.json from the route table: `npm run openapi` after changing schema/routes.ts. */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../schema/openApi.ts';

writeFileSync(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(openApiDocument(), null, 2)}\n`);
