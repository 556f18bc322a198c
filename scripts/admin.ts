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
 *   user set-role <identifier> admin|professional
 *   user unlock <identifier>
 * Options: --data-dir <dir> (default RELAIS_DATA_DIR or ./data). A password not given is generated and printed once.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { normaliseMobile } from '../schema/identity.ts';
import { readConfig } from '../sync-server/config.ts';
import { openStore, type Store } from '../sync-server/store/index.ts';
import type { Establishment } from '../sync-server/store/consultations.ts';
import { hashPassword } from '../sync-server/auth/passwords.ts';
import { MIN_PASSWORD_LENGTH } from '../schema/auth.ts';
import { createUser, newId } from './demo.ts';

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

const COLORS = ['#1d4ed8', '#b45309', '#047857', '#7c3aed', '#be123c', '#0e7490'];

function required(value: string | undefined, name: string): string {
  if (!value || !value.trim()) throw new UsageError(`Option manquante : --${name}`);
  return value.trim();
}

function checkPassword(password: string | undefined): { password: string; generated: boolean } {
  if (password === undefined) return { password: randomBytes(12).toString('base64url'), generated: true };
  if (password.length < MIN_PASSWORD_LENGTH) throw new UsageError(`Le mot de passe doit comporter au moins ${MIN_PASSWORD_LENGTH} caractères.`);
  return { password, generated: false };
}

function checkOptional(value: string | undefined, test: (v: string) => boolean, message: string): string | null {
  if (value === undefined || value === '') return null;
  if (!test(value)) throw new UsageError(message);
  return value;
}

function mobileE164(value: string | undefined): string | null {
  if (!value) return null;
  const mobile = normaliseMobile(value);
  if (!mobile) throw new UsageError(`Numéro de mobile invalide : ${value}`);
  return mobile;
}

const EMAIL = (v: string): boolean => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v);

export async function runAdmin(argv: string[], store: Store, out: (line: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const [area, command, target, extra] = positionals;
  const userOf = (identifier: string | undefined) => {
    const user = store.users.byIdentifier(required(identifier, 'identifiant'));
    if (!user) throw new UsageError(`Compte inconnu : ${identifier}`);
    return user;
  };
  const onOff = (v: string | undefined): boolean | undefined => {
    if (v === undefined) return undefined;
    if (v !== 'on' && v !== 'off') throw new UsageError('--strong-only attend on ou off.');
    return v === 'on';
  };
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
      for (const e of store.establishments.list()) {
        out(`${e.id}\t${e.name}\t${e.kind}\tconservation ${e.retentionDays} j${e.passwordLoginForbidden ? '\tauthentification forte imposée' : ''}`);
      }
      return;
    case 'establishment set': {
      const establishment = store.establishments.get(required(target, 'id'));
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
      const identifier = required(values.identifier, 'identifier');
      if (!/^[a-z0-9._-]{3,64}$/i.test(identifier)) throw new UsageError('Identifiant : 3 à 64 lettres, chiffres, points, tirets.');
      if (store.users.byIdentifier(identifier)) throw new UsageError(`L’identifiant ${identifier} existe déjà.`);
      const establishmentIds = values.establishment ?? [];
      if (establishmentIds.length === 0) throw new UsageError('Option manquante : --establishment');
      for (const id of establishmentIds) if (!store.establishments.get(id)) throw new UsageError(`Établissement inconnu : ${id}`);
      const rpps = checkOptional(values.rpps, (v) => /^\d{11}$/.test(v), 'Le numéro RPPS comporte 11 chiffres.');
      if (rpps && store.users.byRpps(rpps)) throw new UsageError(`Un compte a déjà le RPPS ${rpps}.`);
      const role = values.role ?? 'professional';
      if (role !== 'professional' && role !== 'admin') throw new UsageError('--role attend professional ou admin.');
      const { password, generated } = checkPassword(values.password);
      const user = await createUser(
        store,
        {
          identifier,
          displayName: required(values.name, 'name'),
          profession: required(values.profession, 'profession'),
          color: COLORS[store.users.count() % COLORS.length]!,
          establishmentIds,
          rpps,
          role,
          specialty: values.specialty ?? null,
          email: checkOptional(values.email, EMAIL, `Adresse email invalide : ${values.email}`),
          mobile: mobileE164(values.mobile),
          mssante: checkOptional(values.mssante, EMAIL, `Adresse MSSanté invalide : ${values.mssante}`),
        },
        password,
      );
      out(`Compte créé : ${user.identifier} (${user.displayName}, ${user.role === 'admin' ? 'administrateur' : 'professionnel'})`);
      if (generated) out(`Mot de passe provisoire (affiché une seule fois) : ${password}`);
      return;
    }
    case 'user list':
      for (const u of store.users.list()) {
        out(`${u.identifier}\t${u.displayName}\t${u.profession}\t${u.role}\tRPPS ${u.rpps ?? '—'}\t${u.establishmentIds.join(',')}`);
      }
      return;
    case 'user set-password': {
      const user = userOf(target);
      const { password, generated } = checkPassword(values.password);
      await store.users.put({ ...user, passwordHash: await hashPassword(password) });
      out(`Mot de passe changé pour ${user.identifier}.`);
      if (generated) out(`Mot de passe provisoire (affiché une seule fois) : ${password}`);
      return;
    }
    case 'user set-role': {
      const user = userOf(target);
      if (extra !== 'admin' && extra !== 'professional') throw new UsageError('Rôle attendu : admin ou professional.');
      await store.users.put({ ...user, role: extra });
      out(`${user.identifier} est maintenant ${extra === 'admin' ? 'administrateur' : 'professionnel'}.`);
      return;
    }
    case 'user unlock': {
      const user = userOf(target);
      await store.authState.put(user.id, { ...store.authState.get(user.id), failures: [], lockedUntil: 0 });
      out(`Compte ${user.identifier} déverrouillé.`);
      return;
    }
    default:
      throw new UsageError('Commande inconnue. Voir l’aide en tête de scripts/admin.ts (establishment add|list|set, user add|list|set-password|set-role|unlock).');
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('scripts/admin.ts')) {
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
