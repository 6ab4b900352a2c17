import { Refusal } from '../refusal.ts';

/** Why an aggregate was refused (the previous good copy stays in use). */
export type AggregateReason = 'malformed' | 'unsigned' | 'signature' | 'schema' | 'expired' | 'too-large' | 'fetch';

export class AggregateRefusal extends Refusal<AggregateReason> {}
