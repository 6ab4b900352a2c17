import { isDuplicateKey } from '../db/models/account.ts';
import { TenantModel } from '../db/models/tenant.ts';
import { OperatorError } from './errors.ts';

export interface TenantInput {
  id: string;
  nameJa: string;
  nameEn: string;
  inquiryJa?: string;
  inquiryEn?: string;
}

export async function createTenant(input: TenantInput): Promise<void> {
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(input.id)) {
    throw new OperatorError('tenant id must be 2-63 lower-case letters, digits or hyphens');
  }
  if (!input.nameJa.trim() || !input.nameEn.trim()) throw new OperatorError('tenant needs a Japanese and an English name');
  try {
    await TenantModel.create({
      _id: input.id,
      name: { ja: input.nameJa.trim(), en: input.nameEn.trim() },
      inquiry: { ja: input.inquiryJa ?? '', en: input.inquiryEn ?? '' },
    });
  } catch (error) {
    if (isDuplicateKey(error)) throw new OperatorError(`tenant "${input.id}" already exists`);
    throw error;
  }
}

export async function requireTenant(id: string): Promise<void> {
  if (!(await TenantModel.exists({ _id: id }))) throw new OperatorError(`no tenant "${id}"`);
}

export function listTenants() {
  return TenantModel.find().sort({ _id: 1 }).lean();
}
