import mongoose from 'mongoose';

/**
 * (tenant, mail address) → account, keyed by `_id`. FerretDB 1.x on SQLite answers a query on any
 * other field by scanning the collection (half a second at 20,000 accounts), but an `_id` lookup
 * directly; logins and address checks go through this key instead of the (tenant, mail) index.
 */
const accountAddressSchema = new mongoose.Schema(
  { _id: { type: String, required: true }, accountId: { type: String, required: true } },
  { versionKey: false },
);

export const AccountAddressModel = mongoose.model('AccountAddress', accountAddressSchema, 'account_addresses');
