/**
 * `npm run admin -- <command>`: establishments and accounts from the command line (SPEC actors:
 * the establishment administrator works with the CLI first, a page later). Works while the
 * server runs: LMDB allows several processes on one data dir.
 *
 *   establishment add --name "EHPAD Les Lilas" [--kind ehpad|cabinet|hopital] [--retention 90] [--strong-only]
 *   establishment list
 *   establishment set <id> [--strong-only on|off] [--retention days]
 *   user add --identifier j.dupont --name "Dr Jean Dupont" --profession Médecin --establishment <id>
 *            [--rpps 10001234567] [--specialty …] [--email …] [--mobile +336…] [--mssante …] [--role admin] [--password …]
 *   user list
 *   user set-password <identifier> [--password …]
 *   user set-role <identifier> admin|professional [--establishment <id> …]
 *   user unlock <identifier>
 *   store encrypt        (Relais stopped) encrypts a store from before encryption at rest (sync-server/store/encryptStore.ts)
 *   backup <dir> [--keys-to <keys dir>]      a consistent copy of the store and documents, Relais running or not;
 *                                            the keys only with --keys-to, kept apart (sync-server/store/backup.ts)
 *   restore <dir> [--keys <keys dir>] [--force]   (Relais stopped) into --data-dir; refuses a non-empty one without --force
 *   backup/restore exit codes: 0 done, 1 refused or failed (nothing changed, message in French then English), 2 bad usage.
 * Options: --data-dir <dir> (default RELAIS_DATA_DIR or ./data). A password not given is generated
 * (16 characters) and printed once; one given must have 12 characters at least.
 *
 * First start in production (the demo is never seeded there): `establishment add`, then
 * `user add … --establishment <its id> --role admin` creates the first administrator, who creates
 * the other accounts on the «Comptes» page.
 *
 * Roles are per establishment (#11): `--role admin` on `user add` makes the account administrator
 * of the establishments given; `user set-role` changes the role in the establishments given
 * (all of the account's when none is). Every change is written to the audit of each of the
 * account's establishments, with no actor (the operator's command line); a new password also ends
 * the account's sessions.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readConfig } from '../sync-server/config.ts';
import { openStore, type Store } from '../sync-server/store/index.ts';
import { StoreRefusedError } from '../sync-server/store/db.ts';
import { encryptStore } from '../sync-server/store/encryptStore.ts';
import { BackupRefusedError, backupDataDir, restoreDataDir } from '../sync-server/store/backup.ts';
import type { Establishment } from '../sync-server/store/consultations.ts';
import { MIN_PASSWORD_LENGTH } from '../schema/auth.ts';
import { newId } from './demo.ts';
import { auditAccountChange, checkNewAccount, createAccount, provisionalPassword, setPassword, unlockAccount } from '../sync-server/accounts/accounts.ts';
import { SessionManager } from '../sync-server/auth/sessions.ts';

class UsageError extends Error {}

const OPTIONS = {
  'data-dir': { type: 'string' },
  name: { type: 'string' },
  kind: { type: 'string' },
  retention: { type: 'string' },
  'strong-only': { type: 'string' },
  identifier: { type: 'string' },
  profession: { type: 'string' },
  establishment: { type: 'string', multiple: true },
  rpps: { type: 'string' },
  specialty: { type: 'string' },
  email: { type: 'string' },
  mobile: { type: 'string' },
  mssante: { type: 'string' },
  role: { type: 'string' },
  password: { type: 'string' },
} as const;

function required(value: string | undefined, name: string): string {
  if (!value || !value.trim()) throw new UsageError(`Option manquante : --${name}`);
  return value.trim();
}

function checkPassword(password: string | undefined): { password: string; generated: boolean } {
  if (password === undefined) return { password: provisionalPassword(), generated: true };
  if (password.length < MIN_PASSWORD_LENGTH) throw new UsageError(`Le mot de passe doit comporter au moins ${MIN_PASSWORD_LENGTH} caractères.`);
  return { password, generated: false };
}

/**
 * Ids are base64url and one in 64 starts with a dash, which parseArgs takes for an option
 * (`establishment set -Xy…`, `--establishment -Xy…`): a value option takes the next word whatever
 * it starts with, and the positional words go after `--`.
 */
function orderArgs(argv: string[]): string[] {
  const options: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const name = word.startsWith('--') ? word.slice(2).split('=')[0]! : null;
    const option = name !== null && name in OPTIONS ? OPTIONS[name as keyof typeof OPTIONS] : undefined;
    if (!option) {
      // An unknown `--x` stays an option, for parseArgs to refuse by name.
      (word.startsWith('--') ? options : positionals).push(word);
    } else if (option.type === 'string' && !word.includes('=') && i + 1 < argv.length) {
      options.push(`${word}=${argv[++i]!}`);
    } else options.push(word);
  }
  return [...options, '--', ...positionals];
}

export async function runAdmin(argv: string[], store: Store, out: (line: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({ args: orderArgs(argv), options: OPTIONS, allowPositionals: true, strict: true });
  const [area, command, target, extra] = positionals;
  const userOf = async (identifier: string | undefined) => {
    const user = await store.users.byIdentifier(required(identifier, 'identifiant'));
    if (!user) throw new UsageError(`Compte inconnu : ${identifier}`);
    return user;
  };
  const onOff = (v: string | undefined): boolean | undefined => {
    if (v === undefined) return undefined;
    if (v !== 'on' && v !== 'off') throw new UsageError('--strong-only attend on ou off.');
    return v === 'on';
  };
  const audited = (account: { identifier: string; establishmentIds: string[] }, what: string) =>
    auditAccountChange({ store }, { actorId: null, account, detail: `${what} (ligne de commande) : ${account.identifier}` });
  const days = (v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 3650) throw new UsageError('--retention attend un nombre de jours entre 1 et 3650.');
    return n;
  };

  switch (`${area ?? ''} ${command ?? ''}`) {
    case 'establishment add': {
      const kind = (values.kind ?? 'ehpad') as Establishment['kind'];
      if (!['ehpad', 'cabinet', 'hopital'].includes(kind)) throw new UsageError('--kind attend ehpad, cabinet ou hopital.');
      const establishment: Establishment = {
        id: newId(),
        name: required(values.name, 'name'),
        kind,
        retentionDays: days(values.retention) ?? 90,
        passwordLoginForbidden: values['strong-only'] === undefined ? false : (onOff(values['strong-only']) ?? false),
      };
      await store.establishments.put(establishment);
      out(`Établissement créé : ${establishment.name} (id ${establishment.id})`);
      return;
    }
    case 'establishment list':
      for (const e of await store.establishments.list()) {
        out(`${e.id}\t${e.name}\t${e.kind}\tconservation ${e.retentionDays} j${e.passwordLoginForbidden ? '\tauthentification forte imposée' : ''}`);
      }
      return;
    case 'establishment set': {
      const establishment = await store.establishments.get(required(target, 'id'));
      if (!establishment) throw new UsageError(`Établissement inconnu : ${target}`);
      const strong = onOff(values['strong-only']);
      const next = {
        ...establishment,
        ...(strong === undefined ? {} : { passwordLoginForbidden: strong }),
        ...(values.retention === undefined ? {} : { retentionDays: days(values.retention)! }),
      };
      await store.establishments.put(next);
      out(`Établissement modifié : ${next.name}${next.passwordLoginForbidden ? ' (authentification forte imposée)' : ''}`);
      return;
    }
    case 'user add': {
      const checked = await checkNewAccount(store, {
        identifier: required(values.identifier, 'identifier'),
        displayName: required(values.name, 'name'),
        profession: required(values.profession, 'profession'),
        establishmentIds: values.establishment ?? [],
        rpps: values.rpps,
        specialty: values.specialty,
        email: values.email,
        mobile: values.mobile,
        mssante: values.mssante,
        role: values.role,
      });
      if (!checked.ok) throw new UsageError(checked.message);
      const { password, generated } = checkPassword(values.password);
      const user = await createAccount(store, checked.value, password);
      await audited(user, 'compte créé');
      out(`Compte créé : ${user.identifier} (${user.displayName}, ${user.role === 'admin' ? 'administrateur' : 'professionnel'})`);
      if (generated) out(`Mot de passe provisoire (affiché une seule fois) : ${password}`);
      return;
    }
    case 'user list':
      for (const u of await store.users.list()) {
        out(`${u.identifier}\t${u.displayName}\t${u.profession}\t${u.role}${u.adminOf.length ? ` (${u.adminOf.join(',')})` : ''}\tRPPS ${u.rpps ?? '—'}\t${u.establishmentIds.join(',')}`);
      }
      return;
    case 'user set-password': {
      const user = await userOf(target);
      const { password, generated } = checkPassword(values.password);
      await setPassword(store, user, password);
      // Whoever held the account loses it: its sessions end (the server closes their sockets at its next sweep).
      await new SessionManager(store.sessions).destroyAll(user.id);
      await audited(user, 'mot de passe changé');
      out(`Mot de passe changé pour ${user.identifier}.`);
      if (generated) out(`Mot de passe provisoire (affiché une seule fois) : ${password}`);
      return;
    }
    case 'user set-role': {
      const user = await userOf(target);
      if (extra !== 'admin' && extra !== 'professional') throw new UsageError('Rôle attendu : admin ou professional.');
      const where = values.establishment ?? user.establishmentIds;
      for (const id of where) if (!user.establishmentIds.includes(id)) throw new UsageError(`${user.identifier} n’appartient pas à l’établissement ${id}.`);
      const adminOf = extra === 'admin' ? [...new Set([...user.adminOf, ...where])] : user.adminOf.filter((id) => !where.includes(id));
      await store.users.put({ ...user, adminOf });
      await audited(user, `rôle ${extra === 'admin' ? 'administrateur' : 'professionnel'}`);
      const names = (await Promise.all(where.map(async (id) => (await store.establishments.get(id))?.name ?? id))).join(', ');
      out(`${user.identifier} est maintenant ${extra === 'admin' ? 'administrateur' : 'professionnel'} de ${names}.`);
      return;
    }
    case 'user unlock': {
      const user = await userOf(target);
      await unlockAccount(store, user.id);
      await audited(user, 'compte débloqué');
      out(`Compte ${user.identifier} déverrouillé.`);
      return;
    }
    default:
      throw new UsageError('Commande inconnue. Voir l’aide en tête de scripts/admin.ts (establishment add|list|set, user add|list|set-password|set-role|unlock).');
  }
}

const isMain = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('scripts/admin.ts');

// Before openStore, which refuses the clear store this command exists to encrypt.
if (isMain && process.argv[2] === 'store') {
  const argv = process.argv.slice(2);
  const dirIndex = argv.indexOf('--data-dir');
  const dataDir = dirIndex >= 0 ? resolve(argv[dirIndex + 1] ?? '.') : readConfig().dataDir;
  try {
    if (argv[1] !== 'encrypt') throw new UsageError('Commande inconnue : store encrypt est la seule commande store.');
    await encryptStore(dataDir, (line) => console.log(line));
  } catch (error) {
    console.error(error instanceof UsageError || error instanceof StoreRefusedError ? error.message : error);
    process.exitCode = 1;
  }
}

/** `backup` and `restore`: before openStore too, since restore writes a data dir no store has opened. */
async function runBackupCommand(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { 'data-dir': { type: 'string' }, 'keys-to': { type: 'string' }, keys: { type: 'string' }, force: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    const [command, dir, ...rest] = positionals;
    if (!dir || rest.length > 0) throw new UsageError(`Usage : npm run admin -- ${command} <dossier> [--data-dir <dossier de données>] ${command === 'backup' ? '[--keys-to <dossier des clés>]' : '[--keys <dossier des clés>] [--force]'}`);
    const dataDir = values['data-dir'] ? resolve(values['data-dir']) : readConfig().dataDir;
    const out = (line: string) => console.log(line);
    if (command === 'backup') {
      if (values.keys || values.force) throw new UsageError('--keys et --force sont des options de restore. / --keys and --force belong to restore.');
      await backupDataDir(dataDir, dir, { keysTo: values['keys-to'] ?? null }, out);
    } else {
      if (values['keys-to']) throw new UsageError('--keys-to est une option de backup. / --keys-to belongs to backup.');
      await restoreDataDir(dir, dataDir, { keysDir: values.keys ?? null, force: values.force ?? false }, out);
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(error.message);
      return 2;
    }
    console.error(error instanceof BackupRefusedError || error instanceof StoreRefusedError ? error.message : error);
    return 1;
  }
}

if (isMain && (process.argv[2] === 'backup' || process.argv[2] === 'restore')) {
  process.exitCode = await runBackupCommand(process.argv.slice(2));
}

if (isMain && !['store', 'backup', 'restore'].includes(process.argv[2] ?? '')) {
  const argv = process.argv.slice(2);
  const dirIndex = argv.indexOf('--data-dir');
  const dataDir = dirIndex >= 0 ? resolve(argv[dirIndex + 1] ?? '.') : readConfig().dataDir;
  const store = openStore(dataDir);
  try {
    await runAdmin(argv, store, (line) => console.log(line));
  } catch (error) {
    console.error(error instanceof UsageError || (error instanceof Error && error.name === 'TypeError') ? error.message : error);
    process.exitCode = 1;
  } finally {
    await store.close();
  }
}
