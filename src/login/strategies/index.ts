import type { LoginStrategy } from '../contract.ts';
import { graduatePassword } from './graduate-password/strategy.ts';
import { passkey } from './passkey/strategy.ts';
import { studentSaml } from './student-saml/strategy.ts';

/** The ways to log in, in the order the login page shows them. A new one is a folder here and a line below. */
export const strategies: readonly LoginStrategy[] = [studentSaml, passkey, graduatePassword];
