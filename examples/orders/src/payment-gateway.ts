import { injectable } from 'inversify';

/** Stands in for a card processor: declines above a fixed limit, so every run decides the same way. */
@injectable()
export class PaymentGateway {
  static readonly LIMIT_CENTS = 50_000;

  charge(customer: string, amountCents: number): 'paid' | 'declined' {
    return amountCents <= PaymentGateway.LIMIT_CENTS && customer !== '' ? 'paid' : 'declined';
  }
}
