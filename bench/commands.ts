import type { CommandStartedEvent } from 'mongodb';
import mongoose from 'mongoose';
import { protocolStore } from '../src/db/protocol-store.ts';

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

/**
 * The protocol store commands this process's service sends while `task` runs, each as "name key"
 * with the prefix taken off, as the store itself reports them (MONITOR on a connection of its own,
 * keeping only this service's keys). Transactions show as their commands.
 */
export async function storeCommandsOf(task: () => Promise<unknown>): Promise<string[]> {
  const store = protocolStore();
  const prefix = String(store.options.keyPrefix ?? '');
  const monitor = await store.duplicate({ keyPrefix: '' }).monitor();
  const marker = `${prefix}end-of-task-${Math.random()}`;
  const sent: string[] = [];
  let ended: () => void = () => undefined;
  const end = new Promise<void>((done) => {
    ended = done;
  });
  monitor.on('monitor', (_time: string, args: string[]) => {
    const [name, key] = args;
    if (key === marker) ended();
    else if (key?.startsWith(prefix)) sent.push(`${name?.toLowerCase()} ${key.slice(prefix.length)}`);
  });
  try {
    await task();
    await store.echo(marker);
    await end;
  } finally {
    monitor.disconnect();
  }
  return sent;
}
