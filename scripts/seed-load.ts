/**
 * `npm run seed:load -- --consultations 100 --participant dr.demo`: adds that many demo
 * consultations (and their télédossier documents) to the data dir (RELAIS_DATA_DIR, default
 * ./data), with that user a participant of each. Run it with the server stopped.
 */
import { parseArgs } from 'node:util';
import { readConfig } from '../sync-server/config.ts';
import { openStore } from '../sync-server/store/index.ts';
import { seedDemo } from './demo.ts';
import { addConsultations } from './bench/seedLoad.ts';

const { values } = parseArgs({ options: { consultations: { type: 'string', default: '100' }, participant: { type: 'string', default: 'dr.demo' } } });
const count = Number(values.consultations);
if (!Number.isInteger(count) || count < 1) {
  console.error('--consultations attend un entier positif.');
  process.exit(2);
}
const config = readConfig();
const store = openStore(config.dataDir);
if ((await store.users.count()) === 0) await seedDemo(store);
const participant = await store.users.byIdentifier(values.participant);
if (!participant) {
  console.error(`Utilisateur inconnu : ${values.participant}`);
  await store.close();
  process.exit(2);
}
const establishmentId = participant.establishmentIds[0];
if (!establishmentId) {
  console.error(`${values.participant} n’appartient à aucun établissement.`);
  await store.close();
  process.exit(2);
}
const added = await addConsultations(store, count, [participant], establishmentId);
await store.close();
console.log(`${added.length} consultations ajoutées dans ${config.dataDir}, ${values.participant} participant·e de chacune.`);
console.log(`Documents : dossier/<id>, par exemple dossier/${added[0]!.id}`);
