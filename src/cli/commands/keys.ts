import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config/schema.ts';
import { recordKeyChange } from '../../db/change-stamp.ts';
import { loadSigningKeys, rotateSigningKeys } from '../../oidc/keys.ts';
import { loadSpKeys, rotateSpKeys } from '../../saml/sp-keys.ts';
import { type CommandGroup, options, s } from '../options.ts';

type Step = 'list' | 'add' | 'promote' | 'retire';

export const keysDir = (config: Config) => resolve(fileURLToPath(new URL('../../../', import.meta.url)), config.keysDir);

/** The first key signs, the others are published; running instances read a change within seconds. */
function print(rows: Array<[string, string]>, step: Step): void {
  for (const [i, [id, info]] of rows.entries()) console.log(`${id}\t${info}\t${i === 0 ? 'signing' : 'published'}`);
  if (step !== 'list') console.log('every running instance takes the change within seconds (no restart)');
}

/** The four rotation steps of one kind of key, named by `idOption` (kid for OIDC, id for SAML). */
function rotation(idOption: 'kid' | 'id', rows: (dir: string, step: Step, id: string) => Promise<Array<[string, string]>>) {
  const step = (name: Step) => async (args: string[], config: Config) => {
    const withId = name === 'promote' || name === 'retire';
    const o = options(args, withId ? { [idOption]: s } : {}, withId ? [idOption] : []);
    print(await rows(keysDir(config), name, o.str(idOption)), name);
    if (name !== 'list') await recordKeyChange();
  };
  return { list: step('list'), add: step('add'), promote: step('promote'), retire: step('retire') } satisfies CommandGroup;
}

/** keys …: the OIDC signing keys (keys/jwks.json, by kid). */
export const keyCommands: CommandGroup = rotation('kid', async (dir, step, kid) =>
  (step === 'list' ? (await loadSigningKeys(dir, false)).keys : await rotateSigningKeys(dir, step, kid)).map((k) => [
    String(k.kid),
    String(k.alg),
  ]),
);

/** saml-keys …: the SAML SP keys (keys/saml-sp.json, by id). */
export const samlKeyCommands: CommandGroup = rotation('id', async (dir, step, id) =>
  (step === 'list' ? await loadSpKeys(dir, false) : await rotateSpKeys(dir, step, id)).map((k) => [k.id, String(k.createdAt)]),
);
