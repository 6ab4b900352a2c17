import type { CommandStartedEvent } from 'mongodb';
import mongoose from 'mongoose';

/** A command as the driver sent it: its name and the collection it addressed. */
export type SentCommand = `${string} ${string}`;

const HOUSEKEEPING = ['hello', 'isMaster', 'ping', 'endSessions', 'saslStart', 'saslContinue'];

/**
 * The database commands this process sends while `task` runs, as the driver reports them (command
 * monitoring, on in the test configuration that the tests and the benchmark run with). Handshakes
 * and heartbeats are not commands of the task and are left out.
 */
export async function eventsOf(task: () => Promise<unknown>): Promise<CommandStartedEvent[]> {
  const client = mongoose.connection.getClient();
  const sent: CommandStartedEvent[] = [];
  const listener = (event: CommandStartedEvent) => {
    if (!HOUSEKEEPING.includes(event.commandName)) sent.push(event);
  };
  client.on('commandStarted', listener);
  try {
    await task();
  } finally {
    client.off('commandStarted', listener);
  }
  return sent;
}

/** The commands `task` sends, each as "name collection". */
export async function commandsOf(task: () => Promise<unknown>): Promise<SentCommand[]> {
  return (await eventsOf(task)).map(({ command, commandName }) => `${commandName} ${String(command[commandName])}` as const);
}
