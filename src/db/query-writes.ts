import type mongoose from 'mongoose';

/** Every query middleware that writes: a hook that must see each change to a collection registers on these. */
export const QUERY_WRITES: mongoose.MongooseQueryMiddleware[] = [
  'updateOne',
  'updateMany',
  'replaceOne',
  'deleteOne',
  'deleteMany',
  'findOneAndUpdate',
  'findOneAndDelete',
  'findOneAndReplace',
];
