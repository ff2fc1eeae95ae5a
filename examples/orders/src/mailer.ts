import { injectable } from 'inversify';

/** Collects the notifications "sent"; a real service would call an e-mail API here. */
@injectable()
export class Mailer {
  readonly sent: { to: string; text: string }[] = [];

  send(to: string, text: string): void {
    this.sent.push({ to, text });
  }
}
