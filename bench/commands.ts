import type { CommandStartedEvent } from 'mongodb';
import mongoose from 'mongoose';

/** A command as the driver sent it: its name and the collection it addressed. */
export type SentCommand = `${string} ${string}`;

/**
 * Counts the database commands this process sends while `task` runs (the driver's command
 * monitoring, on in the test configuration that the tests and the benchmark run with). Handshakes and
 * heartbeats are not commands of the task and are not counted.
 */
export async function commandsOf(task: () => Promise<unknown>): Promise<SentCommand[]> {
  const client = mongoose.connection.getClient();
  const sent: SentCommand[] = [];
  const listener = (event: CommandStartedEvent) => {
    if (['hello', 'isMaster', 'ping', 'endSessions', 'saslStart', 'saslContinue'].includes(event.commandName)) return;
    sent.push(`${event.commandName} ${String(event.command[event.commandName])}`);
  };
  client.on('commandStarted', listener);
  try {
    await task();
  } finally {
    client.off('commandStarted', listener);
  }
  return sent;
}
