import type { CommandGroup } from '../options.ts';

/**
 * db indexes: the deploy step that makes the indexes a new version declares (docs/operations.md).
 * Connecting made the missing ones already; this says which, so a deploy log shows it.
 */
export const dbCommands: CommandGroup = {
  async indexes(_args, _config, database) {
    if (database.createdIndexes.length === 0) console.log('every index is in place; none created');
    else console.log(`created ${database.createdIndexes.length} missing indexes: ${database.createdIndexes.join(', ')}`);
  },
};
