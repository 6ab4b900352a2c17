import type { RequiredAction } from '../contract.ts';
import { addPasskeyAction } from './add-passkey.ts';
import { setPasswords } from './set-passwords.ts';
import { studentMail } from './student-mail.ts';
import { studentPasskey } from './student-passkey.ts';
import { studentSecondPassword } from './student-second-password.ts';

/** What a login goes through after authentication, in this order, each where it applies. A new one is a file here and a line below. */
export const requiredActions: readonly RequiredAction[] = [
  setPasswords,
  addPasskeyAction,
  studentMail,
  studentSecondPassword,
  studentPasskey,
];
