import { parseMailAddress } from '../mail/address.ts';
import { OperatorError } from './errors.ts';

const WHY = {
  required: 'it is empty',
  characters: 'it holds a control, invisible or non-ASCII character',
  length: 'it is longer than 254 characters',
  format: 'it is not an address',
} as const;

/** A mail address an operator gave (CLI, imports), read as the forms read it, or a clear refusal. */
export function operatorMailAddress(typed: string): string {
  const { address, problem } = parseMailAddress(typed);
  if (address) return address;
  throw new OperatorError(`${JSON.stringify(typed)} is not a usable mail address: ${WHY[problem as keyof typeof WHY]}`);
}
