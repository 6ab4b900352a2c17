import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** The recipients of a parsed mail as one string ("a@example.com" for a single recipient). */
export function recipients(mail: ParsedMail): string {
  return [mail.to ?? []]
    .flat()
    .map((address) => address.text)
    .join(', ');
}

/** A real SMTP server on loopback that hands every received mail, parsed, to `onMail`. */
export async function listenForMail(port: number, onMail: (mail: ParsedMail) => void): Promise<SMTPServer> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          onMail(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', () => done()));
  return server;
}
